"""Forms for keeping goals."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.goals.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, GoalStatus

EARLIEST_TARGET = date(1900, 1, 1)
TARGET_YEARS_AHEAD = 20


def latest_target(today: date | None = None) -> date:
    """The furthest target date a goal may have: today, twenty years on (28 February for 29 February)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + TARGET_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + TARGET_YEARS_AHEAD, day=28)


def _status_choices() -> list[tuple[str, str]]:
    return [(status, GoalStatus.LABELS[status]) for status in GoalStatus.ALL]


class GoalForm(FlaskForm):
    """A goal: what, why or how, where it stands, and by when."""

    title = StringField(
        _l("Goal"),
        validators=[
            DataRequired(_l("Describe the goal in a few words.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("Keep the goal under %(max)d characters.", max=TITLE_MAX_LENGTH)),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("Why this goal matters, or how you will know it is reached."),
        validators=[
            Optional(),
            Length(
                max=DESCRIPTION_MAX_LENGTH,
                message=_l("Keep the description under %(max)d characters.", max=DESCRIPTION_MAX_LENGTH),
            ),
        ],
    )
    status = SelectField(
        _l("Status"), choices=_status_choices, default=GoalStatus.OPEN,
        validate_choice=True,
    )
    target_date = DateField(
        _l("Target date (optional)"),
        validators=[Optional()],
        render_kw={"min": EARLIEST_TARGET.isoformat()},
    )

    def validate_target_date(self, field: DateField) -> None:
        """A target date between 1900 and twenty years from now."""
        if field.data and not (EARLIEST_TARGET <= field.data <= latest_target()):
            raise ValidationError(_l("Enter a target date between 1900 and twenty years from now."))


class StatusForm(FlaskForm):
    """Only the status of a goal (changed from the list)."""

    status = SelectField(_l("Status"), choices=_status_choices, validate_choice=True)
