"""The practice admin's settings form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class SettingsForm(FlaskForm):
    """How the practice works."""

    shared_caseloads = BooleanField(
        _l("Shared caseloads: every coach may open every client's dossier"),
        description=_l("Off (recommended): a coach sees only the clients assigned to them."),
    )
