"""Forms of the request workflow and of erasure."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.rights.models import (
    METHOD_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    RequestChannel,
    RequestKind,
)

EARLIEST_RECEIPT = date(2000, 1, 1)


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind, RequestKind.LABELS[kind]) for kind in RequestKind.ALL]


def _offline_channels() -> list[tuple[str, str]]:
    return [(channel, RequestChannel.LABELS[channel]) for channel in RequestChannel.OFFLINE]


def _person_id(value: object) -> int | None:
    """A person's id from the form; "" or anything that is not a number is no choice (refused)."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


_note = TextAreaField(
    _l("Anything you want to add (optional)"),
    description=_l("For example what should be corrected, or which data you mean. Leave out anything the practice does not need."),
    validators=[Optional(), Length(max=NOTE_MAX_LENGTH, message=_l("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH))],
)


class NewRequestForm(FlaskForm):
    """A person asks the practice to use one of their rights."""

    kind = RadioField(
        _l("What do you want to ask?"),
        choices=_kind_choices,
        validators=[InputRequired(_l("Choose what you want to ask."))],
        validate_choice=True,
    )
    note = _note


class RegisterForm(FlaskForm):
    """A practice admin records a request received by e-mail, letter or phone."""

    # Choices are the people of the practice, set by the view (set_people).
    person_id = SelectField(_l("Person"), coerce=_person_id, choices=[], validate_choice=False)
    kind = SelectField(_l("Request"), choices=_kind_choices, validate_choice=True)
    channel = SelectField(_l("Received by"), choices=_offline_channels, validate_choice=True)
    received_on = DateField(
        _l("Received on"),
        description=_l("The answer is due two weeks after this date."),
        validators=[InputRequired(_l("Enter the date the request was received."))],
    )
    note = TextAreaField(
        _l("What the person asked (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH, message=_l("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH))],
    )
    identity_method = StringField(
        _l("How their identity was confirmed (optional)"),
        description=_l("For example: ID document shown, call-back on the known phone number. Leave empty if not checked yet."),
        validators=[Optional(), Length(max=METHOD_MAX_LENGTH, message=_l("Keep the identity check under %(max)d characters.", max=METHOD_MAX_LENGTH))],
    )

    def set_people(self, people: list[tuple[int, str]]) -> None:
        self.person_id.choices = [("", _l("Choose a person")), *people]

    def validate_person_id(self, field: SelectField) -> None:
        offered = {value for value, _label in field.choices or [] if value != ""}
        if field.data is None or field.data not in offered:
            raise ValidationError(_l("Choose a person of the practice from the list."))

    def validate_received_on(self, field: DateField) -> None:
        from app.rights.services import today

        if field.data and field.data > today():
            raise ValidationError(_l("The date of receipt cannot be in the future."))
        if field.data and field.data < EARLIEST_RECEIPT:
            raise ValidationError(_l("Enter a date after 2000."))


class IdentityForm(FlaskForm):
    """How the person's identity was confirmed."""

    method = StringField(
        _l("How was their identity confirmed?"),
        description=_l("For example: ID document shown, call-back on the known phone number."),
        validators=[
            DataRequired(_l("Say how the person's identity was confirmed.")),
            Length(max=METHOD_MAX_LENGTH, message=_l("Keep the identity check under %(max)d characters.", max=METHOD_MAX_LENGTH)),
        ],
    )


class RefuseForm(FlaskForm):
    """Refusing a request, with the reason the person reads."""

    reason = TextAreaField(
        _l("Reason for the refusal"),
        description=_l("The person reads this reason. Mention that they may complain to the Autoriteit Persoonsgegevens."),
        validators=[
            DataRequired(_l("Give the reason for the refusal; the person will read it.")),
            Length(max=REASON_MAX_LENGTH, message=_l("Keep the reason under %(max)d characters.", max=REASON_MAX_LENGTH)),
        ],
    )


class EraseForm(FlaskForm):
    """Typing the client's full name confirms an erasure."""

    typed_name = StringField(
        _l("Type the client's full name to confirm"),
        validators=[DataRequired(_l("Type the client's full name to confirm.")), Length(max=300)],
    )
