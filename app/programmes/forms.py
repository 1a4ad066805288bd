"""Forms for programme templates, a client's programme and the steps of both."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.programmes.models import ProgrammeStatus, StepKind, Unlock
from app.programmes.steps import instrument_choices

MAX_TEXT = 5000
MAX_OFFSET_DAYS = 7300  # twenty years


def latest_date() -> date:
    """The latest date a programme may name: twenty years from today."""
    today = date.today()
    try:
        return today.replace(year=today.year + 20)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 20, day=28)


def check_date_range(field: DateField) -> None:
    """Dates between 1900 and twenty years from today."""
    if field.data and not (date(1900, 1, 1) <= field.data <= latest_date()):
        raise ValidationError(_l("Enter a date between 1900 and twenty years from now."))


def status_labels() -> dict[str, str]:
    """Each status with its label in the reader's language."""
    return {
        ProgrammeStatus.INTAKE: _l("Intake"),
        ProgrammeStatus.ACTIVE: _l("Active"),
        ProgrammeStatus.FINISHED: _l("Finished"),
        ProgrammeStatus.STOPPED: _l("Stopped"),
    }


class BlankableDateField(DateField):
    """A date that may be left empty (then None) without the "not a valid date" error."""

    def process_formdata(self, valuelist):  # type: ignore[no-untyped-def]
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class BlankableIntegerField(IntegerField):
    """A whole number that may be left empty (then None)."""

    def process_formdata(self, valuelist):  # type: ignore[no-untyped-def]
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def id_or_zero(value: object) -> int:
    """A select's id value: 0 when none was chosen, -1 (never an id) when it is not a number."""
    if value in (None, ""):
        return 0
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


class ChoiceField(SelectField):
    """A select whose unknown values are refused by the form's own message, not WTForms' generic one."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class TemplateForm(FlaskForm):
    """A programme template's name and description."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=MAX_TEXT)])


class _StepForm(FlaskForm):
    """What a step is: an information text or an exercise, and when it becomes available."""

    kind = ChoiceField(
        _l("Kind of step"),
        choices=[
            SelectChoice(StepKind.INFO, _l("Information text")),
            SelectChoice(StepKind.EXERCISE, _l("Exercise")),
            SelectChoice(StepKind.ASSESSMENT, _l("Questionnaire (assessment)")),
        ],
    )
    title = StringField(
        _l("Title"),
        description=_l(
            "Needed for an information text; an exercise or questionnaire shows its own title when left empty."
        ),
        validators=[Length(max=200)],
    )
    body = TextAreaField(
        _l("Text"),
        description=_l("Markdown: **bold**, *italic*, lists with - and links. Other HTML is removed."),
        validators=[Optional(), Length(max=MAX_TEXT)],
    )
    exercise_id = ChoiceField(_l("Exercise"), coerce=id_or_zero)
    instrument_id = ChoiceField(_l("Questionnaire"))
    unlock = ChoiceField(
        _l("Available"),
        choices=[
            SelectChoice(Unlock.ALWAYS, _l("Right away")),
            SelectChoice(Unlock.PREVIOUS, _l("After the previous step is done")),
            SelectChoice(Unlock.DATE, _l("From a date")),
        ],
    )

    def __init__(  # type: ignore[no-untyped-def]
        self, *args, exercises: list[tuple[int, str]] | None = None,
        instruments: list[tuple[str, str]] | None = None, **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.exercise_id.choices = [SelectChoice(0, _l("Choose an exercise"))] + [
            SelectChoice(ident, title) for ident, title in exercises or []
        ]
        self.known_exercises = {ident for ident, _title in exercises or []}
        if instruments is None:
            instruments = instrument_choices()
        self.instrument_id.choices = [SelectChoice("", _l("Choose a questionnaire"))] + [
            SelectChoice(ident, title) for ident, title in instruments
        ]
        self.known_instruments = {ident for ident, _title in instruments}

    def validate_kind(self, field: SelectField) -> None:
        if field.data not in StepKind.ALL:
            raise ValidationError(_l("Choose an information text or an exercise."))

    def validate_unlock(self, field: SelectField) -> None:
        if field.data not in Unlock.ALL:
            raise ValidationError(_l("Choose when the step becomes available."))

    def validate_title(self, field: StringField) -> None:
        if self.kind.data == StepKind.INFO and not (field.data or "").strip():
            raise ValidationError(_l("Enter a title for the information text."))

    def validate_exercise_id(self, field: SelectField) -> None:
        if self.kind.data != StepKind.EXERCISE:
            return
        if not field.data:
            raise ValidationError(_l("Choose an exercise."))
        if field.data not in self.known_exercises:
            raise ValidationError(_l("Choose an exercise from this practice's library."))

    def validate_instrument_id(self, field: SelectField) -> None:
        if self.kind.data != StepKind.ASSESSMENT:
            return
        if not field.data:
            raise ValidationError(_l("Choose a questionnaire."))
        if field.data not in self.known_instruments:
            raise ValidationError(_l("Choose a questionnaire from the list."))

    def step_values(self) -> dict[str, object]:
        """The cleaned values a service stores."""
        exercise = self.kind.data == StepKind.EXERCISE
        assessment = self.kind.data == StepKind.ASSESSMENT
        return {
            "kind": self.kind.data,
            "title": (self.title.data or "").strip(),
            "body": "" if exercise or assessment else (self.body.data or "").strip(),
            "exercise_id": self.exercise_id.data if exercise else None,
            "instrument_id": self.instrument_id.data if assessment else None,
            "unlock": self.unlock.data,
        }


class TemplateStepForm(_StepForm):
    """A step of a template: a date unlock counts days from the programme's start."""

    offset_days = BlankableIntegerField(
        _l("Days after the start"),
        description=_l("Only for steps available from a date."),
    )

    def validate_offset_days(self, field: IntegerField) -> None:
        if self.unlock.data != Unlock.DATE:
            return
        if field.data is None:
            raise ValidationError(_l("Enter the number of days after the start."))
        if not 0 <= field.data <= MAX_OFFSET_DAYS:
            raise ValidationError(_l("Enter a number of days between 0 and 7300."))

    def step_values(self) -> dict[str, object]:
        values = super().step_values()
        values["offset_days"] = self.offset_days.data if self.unlock.data == Unlock.DATE else None
        return values


class ProgrammeStepForm(_StepForm):
    """A step of a client's programme: a date unlock names the date."""

    unlock_on = BlankableDateField(_l("Available from"), description=_l("Only for steps available from a date."))

    def validate_unlock_on(self, field: DateField) -> None:
        if self.unlock.data != Unlock.DATE:
            return
        if field.data is None:
            raise ValidationError(_l("Enter the date from which the step is available."))
        check_date_range(field)

    def step_values(self) -> dict[str, object]:
        values = super().step_values()
        values["unlock_on"] = self.unlock_on.data if self.unlock.data == Unlock.DATE else None
        return values


class ProgrammeForm(FlaskForm):
    """A client's programme: title, dates, status and the coach's notes."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    status = ChoiceField(_l("Status"))
    starts_on = DateField(_l("Start date"), validators=[DataRequired(_l("Enter a valid start date."))])
    planned_end_on = DateField(_l("Planned end date (optional)"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes (optional)"),
        description=_l("Only the client's coaches see these notes."),
        validators=[Optional(), Length(max=MAX_TEXT)],
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(value, label) for value, label in status_labels().items()]

    def validate_status(self, field: SelectField) -> None:
        if field.data not in ProgrammeStatus.ALL:
            raise ValidationError(_l("Choose one of the statuses."))

    def validate_starts_on(self, field: DateField) -> None:
        check_date_range(field)

    def validate_planned_end_on(self, field: DateField) -> None:
        check_date_range(field)
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The planned end date cannot be before the start date."))

    def programme_values(self) -> dict[str, object]:
        """The cleaned values a service stores."""
        return {
            "title": self.title.data.strip(),
            "status": self.status.data,
            "starts_on": self.starts_on.data,
            "planned_end_on": self.planned_end_on.data,
            "notes": (self.notes.data or "").strip() or None,
        }


class StartProgrammeForm(ProgrammeForm):
    """Starting a programme: from a template (its steps are copied) or empty."""

    template_id = ChoiceField(_l("Template"), coerce=id_or_zero)

    def __init__(self, *args, templates: list[tuple[int, str]] | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.template_id.choices = [SelectChoice(0, _l("No template: start empty"))] + [
            SelectChoice(ident, name) for ident, name in templates or []
        ]
        self.known_templates = {ident for ident, _name in templates or []}

    def validate_template_id(self, field: SelectField) -> None:
        if field.data and field.data not in self.known_templates:
            raise ValidationError(_l("Choose a template from the library."))
