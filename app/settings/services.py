"""Reading and changing the practice's settings."""
from __future__ import annotations

from flask import g

from app.audit.services import audit
from app.extensions import db
from app.settings.models import PracticeSettings


def practice_settings() -> PracticeSettings:
    """The settings row of the current practice, read once per request."""
    cached = g.get("koers_settings")
    if cached is None:
        cached = db.session.get(PracticeSettings, 1)
        g.koers_settings = cached
    return cached


def update_settings(actor: object, *, shared_caseloads: bool) -> None:
    """Change the settings (commits); audited with the names of what changed."""
    settings = practice_settings()
    changed = []
    if settings.shared_caseloads != shared_caseloads:
        settings.shared_caseloads = shared_caseloads
        changed.append("shared_caseloads")
    if changed:
        audit("settings.updated", "practice_settings", 1, actor=actor, detail={"fields": changed})
    db.session.commit()
