"""Forms for keeping goals."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.goals.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, GoalStatus
from app.people.forms import CheckboxesField

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


def _id_or_none(value: object) -> int | None:
    """A programme id from the form ("" for none); anything else that is not a number is refused."""
    if value is None or value == "":
        return None
    return int(value)  # type: ignore[call-overload]


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

    # Choices are the client's programmes, set by the view (set_programmes); the id is checked against them.
    programme_id = SelectField(_l("Programme (optional)"), coerce=_id_or_none, choices=[], validate_choice=False)

    def set_programmes(self, programmes: list[tuple[int, str]]) -> None:
        """Offer these programmes of the client (id, title), and no programme."""
        self.programme_id.choices = [("", _l("No programme")), *programmes]

    def validate_programme_id(self, field: SelectField) -> None:
        """Only one of the client's programmes, or none."""
        offered = {value for value, _label in field.choices or [] if value != ""}
        if field.data is not None and field.data not in offered:
            raise ValidationError(_l("Choose one of the programmes in the list."))

    def validate_target_date(self, field: DateField) -> None:
        """A target date between 1900 and twenty years from now."""
        if field.data and not (EARLIEST_TARGET <= field.data <= latest_target()):
            raise ValidationError(_l("Enter a target date between 1900 and twenty years from now."))


class StatusForm(FlaskForm):
    """Only the status of a goal (changed from the list)."""

    status = SelectField(_l("Status"), choices=_status_choices, validate_choice=True)


class ExerciseLinksField(CheckboxesField):
    """Checkboxes of the exercises given to a client; an id outside them is refused with a message."""

    def pre_validate(self, form: FlaskForm) -> None:
        offered = {value for value, _label in self.choices or []}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Choose only exercises given to this client."))


class ExerciseLinksForm(FlaskForm):
    """The exercises a goal is linked to (the coach's choice)."""

    exercises = ExerciseLinksField(
        _l("Linked exercises"),
        description=_l("Exercises given to this client that work towards this goal."),
        coerce=int,
    )
