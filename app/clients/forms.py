"""Forms for creating a client and correcting their details."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.people.forms import CheckboxesField


class ContactDetailsForm(FlaskForm):
    """A client's contact details and dossier facts, as their coach keeps them."""

    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter a first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter a last name.")), Length(max=100)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    date_of_birth = DateField(_l("Date of birth (optional)"), validators=[Optional()])
    referral_notes = TextAreaField(
        _l("Referral or financier (optional)"),
        description=_l("Who referred the client or pays for the programme, e.g. an employer."),
        validators=[Optional(), Length(max=2000)],
    )

    def validate_date_of_birth(self, field: DateField) -> None:
        """A birth date between 1900 and today."""
        if field.data and not (date(1900, 1, 1) <= field.data <= date.today()):
            raise ValidationError(_l("Enter a date of birth between 1900 and today."))


class NewClientForm(ContactDetailsForm):
    """A new client: their details, coaches and whether to invite them now."""

    coaches = CheckboxesField(_l("Coaches"), coerce=int, validate_choice=True)
    send_invitation = BooleanField(_l("Send an invitation e-mail now"), default=True)
