"""The practice admin's forms for starting and lifting a restriction."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.restrictions.models import NOTE_MAX_LENGTH, RestrictionReason


def _reason_choices() -> list[tuple[str, str]]:
    return [(reason, RestrictionReason.label(reason)) for reason in RestrictionReason.ALL]


class StartForm(FlaskForm):
    """Restrict a client's dossier, for a reason."""

    reason = SelectField(_l("Reason"), choices=_reason_choices, validate_choice=True)


class LiftForm(FlaskForm):
    """Lift a restriction; the note says why."""

    note = TextAreaField(
        _l("Why is the restriction lifted?"),
        description=_l("For example: the client gave consent again, or the request was handled."),
        validators=[
            InputRequired(_l("Write down why the restriction is lifted.")),
            Length(max=NOTE_MAX_LENGTH, message=_l("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH)),
        ],
    )
