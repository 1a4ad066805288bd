"""The session report form."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from app.reports.models import SessionKind, Visibility

REPORT_TEXT_MAX = 50_000


class ReasonableDate:
    """A date not before 1900 and at most a year from today (shared by reports and the journal)."""

    def __call__(self, form: FlaskForm, field: DateField) -> None:
        if field.data and not (date(1900, 1, 1) <= field.data <= date.today() + timedelta(days=366)):
            raise ValidationError(_l("Enter a date between 1900 and one year from today."))


def kind_choices() -> list[tuple[str, str]]:
    return [
        (SessionKind.INTAKE, _l("Intake")),
        (SessionKind.COACHING, _l("Coaching")),
        (SessionKind.EVALUATION, _l("Evaluation")),
        (SessionKind.OTHER, _l("Other")),
    ]


def visibility_choices() -> list[tuple[str, str]]:
    return [
        (Visibility.PRIVATE, _l("Private: only the client's coaches")),
        (Visibility.SHARED, _l("Shared with the client")),
    ]


class ReportForm(FlaskForm):
    """Date, duration, type, visibility and the text of a session report."""

    session_date = DateField(
        _l("Date of the session"),
        validators=[InputRequired(_l("Enter the date of the session.")), ReasonableDate()],
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[
            InputRequired(_l("Enter the duration in minutes.")),
            NumberRange(1, 600, _l("Enter a duration between 1 and 600 minutes.")),
        ],
        render_kw={"min": 1, "max": 600, "inputmode": "numeric"},
    )
    kind = SelectField(_l("Type of session"), choices=kind_choices, default=SessionKind.COACHING)
    visibility = SelectField(
        _l("Who can read this report"),
        choices=visibility_choices,
        default=Visibility.PRIVATE,
        description=_l("A shared report appears, read-only, on the client's page \"My sessions\"."),
    )
    text = TextAreaField(
        _l("Report"),
        validators=[
            DataRequired(_l("Write the report.")),
            Length(max=REPORT_TEXT_MAX, message=_l("Keep the report under %(max)d characters.", max=REPORT_TEXT_MAX)),
        ],
        render_kw={"rows": 12},
    )
