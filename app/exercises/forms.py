"""Forms of the exercise library and of giving an exercise to a client."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.exercises.builder import MAX_INSTRUCTIONS, MAX_TITLE


class ExerciseDetailsForm(FlaskForm):
    """An exercise's title and instructions."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=MAX_TITLE)])
    instructions = TextAreaField(
        _l("Instructions"),
        description=_l("Markdown: **bold**, *italic*, lists with - and links. Other HTML is removed."),
        validators=[Optional(), Length(max=MAX_INSTRUCTIONS)],
    )


class _DueDateForm(FlaskForm):
    due_date = DateField(_l("Due date (optional)"), validators=[Optional()])

    def validate_due_date(self, field: DateField) -> None:
        """A due date from today on."""
        if field.data and field.data < date.today():
            raise ValidationError(_l("Choose a due date from today on."))


class AssignForm(_DueDateForm):
    """Give this exercise to one of the coach's clients (on the exercise's page)."""

    client_id = SelectField(
        _l("Client"), coerce=int, validate_choice=True, validators=[DataRequired(_l("Choose a client."))]
    )


class AssignToClientForm(_DueDateForm):
    """Give this client an exercise from the library (from the dossier)."""

    exercise_id = SelectField(
        _l("Exercise"), coerce=int, validate_choice=True, validators=[DataRequired(_l("Choose an exercise."))]
    )
