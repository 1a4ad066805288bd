"""Reading and changing the practice's settings."""
from __future__ import annotations

from app.audit.services import audit
from app.extensions import db
from app.settings.models import PracticeSettings


def practice_settings() -> PracticeSettings:
    """The settings row of the current practice."""
    # session.get() answers from the identity map after the first read, and the session is
    # renewed whenever the practice changes, so no other cache (which could cross practices).
    return db.session.get(PracticeSettings, 1)


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
