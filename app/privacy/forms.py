"""Forms of the privacy package: privacy settings, a processor, and the audit-log search."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.mail.addresses import InvalidAddress, normalise_address
from app.privacy import models, periods

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class ValidEmail:
    """An e-mail address Koers can send to (empty passes; combine with DataRequired)."""

    def __call__(self, form: FlaskForm, field: EmailField) -> None:
        if field.data:
            try:
                normalise_address(field.data)
            except InvalidAddress:
                raise ValidationError(_l("Enter a valid e-mail address.")) from None


def _in_range(field: DateField) -> None:
    if field.data and not (EARLIEST <= field.data <= LATEST):
        raise ValidationError(_l("Enter a date between 1900 and 2100."))


class PrivacySettingsForm(FlaskForm):
    """Who is responsible for the practice's data, its privacy officer, and how long dossiers are kept."""

    legal_name = StringField(
        _l("Legal name of the practice"),
        description=_l("As registered, for example with the Chamber of Commerce."),
        validators=[DataRequired(_l("Enter the practice's legal name.")),
                    Length(max=models.NAME_MAX, message=_l("Keep this under %(max)d characters.", max=models.NAME_MAX))],
    )
    address = TextAreaField(
        _l("Address"),
        validators=[DataRequired(_l("Enter the practice's address.")),
                    Length(max=models.ADDRESS_MAX, message=_l("Keep this under %(max)d characters.", max=models.ADDRESS_MAX))],
    )
    coc_number = StringField(
        _l("Chamber of Commerce number (optional)"),
        validators=[Optional(),
                    Length(max=models.COC_MAX, message=_l("Keep this under %(max)d characters.", max=models.COC_MAX))],
    )
    contact_email = EmailField(
        _l("Contact e-mail address of the practice"),
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=models.EMAIL_MAX), ValidEmail()],
    )
    officer_name = StringField(
        _l("Name of the privacy officer"),
        description=_l("The person who answers questions and requests about personal data."),
        validators=[DataRequired(_l("Enter the privacy officer's name.")),
                    Length(max=models.NAME_MAX, message=_l("Keep this under %(max)d characters.", max=models.NAME_MAX))],
    )
    officer_email = EmailField(
        _l("E-mail address of the privacy officer"),
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=models.EMAIL_MAX), ValidEmail()],
    )
    officer_phone = StringField(
        _l("Phone number of the privacy officer (optional)"),
        validators=[Optional(),
                    Length(max=models.PHONE_MAX, message=_l("Keep this under %(max)d characters.", max=models.PHONE_MAX))],
    )
    dossier_retention_months = IntegerField(
        _l("Keep a client's dossier after their programme ends for (months)"),
        description=_l(
            "Between %(min)d and %(max)d months; 0 means the dossier is removed as soon as the programme ends.",
            min=periods.DOSSIER_RETENTION_MIN_MONTHS, max=periods.DOSSIER_RETENTION_MAX_MONTHS,
        ),
        validators=[
            InputRequired(_l("Enter a number of months.")),
        ],
        render_kw={"min": periods.DOSSIER_RETENTION_MIN_MONTHS, "max": periods.DOSSIER_RETENTION_MAX_MONTHS,
                   "inputmode": "numeric"},
    )

    def validate_dossier_retention_months(self, field: IntegerField) -> None:
        """Within the bounds (a non-number already has wtforms' own, translated, message)."""
        low, high = periods.DOSSIER_RETENTION_MIN_MONTHS, periods.DOSSIER_RETENTION_MAX_MONTHS
        if field.data is not None and not (low <= field.data <= high):
            raise ValidationError(_l("Enter a number of months between %(min)d and %(max)d.", min=low, max=high))
        cap = _dossier_cap()
        if field.data is not None and cap is not None and field.data > cap:
            raise ValidationError(_l("The practice's legal cap is %(cap)d months; enter at most that.", cap=cap))


def _dossier_cap() -> int | None:
    """The legal cap the practice set in its retention policy (app/dossiers), if that feature is there."""
    try:
        from app.dossiers.services import policy
    except ImportError:
        return None
    return policy().retention_cap_months


class ProcessorForm(FlaskForm):
    """One processor in the register."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the processor's name.")),
                    Length(max=models.NAME_MAX, message=_l("Keep this under %(max)d characters.", max=models.NAME_MAX))],
    )
    purpose = StringField(
        _l("What they do for the practice"),
        description=_l("For example: hosting of Koers, sending e-mail, bookkeeping."),
        validators=[DataRequired(_l("Describe what the processor does.")),
                    Length(max=models.PURPOSE_MAX, message=_l("Keep this under %(max)d characters.", max=models.PURPOSE_MAX))],
    )
    location = StringField(
        _l("Where the data is processed (optional)"),
        description=_l("Country or region, for example: the Netherlands, EU."),
        validators=[Optional(),
                    Length(max=models.LOCATION_MAX, message=_l("Keep this under %(max)d characters.", max=models.LOCATION_MAX))],
    )
    agreement_date = DateField(
        _l("Date of the processing agreement (optional)"),
        validators=[Optional()],
        render_kw={"min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(),
                    Length(max=models.NOTE_MAX, message=_l("Keep this under %(max)d characters.", max=models.NOTE_MAX))],
    )

    def validate_agreement_date(self, field: DateField) -> None:
        _in_range(field)


INVOLVEMENT = (
    SelectChoice("any", _l("did it or is what it is about")),
    SelectChoice("actor", _l("did it")),
    SelectChoice("subject", _l("is what it is about")),
)


class AuditSearchForm(FlaskForm):
    """Filters of the audit-log search (a GET form: no CSRF token needed to read)."""

    class Meta:
        csrf = False

    person = SelectField(_l("Person"), coerce=str, validate_choice=False)
    involvement = SelectField(_l("The person"), choices=INVOLVEMENT, default="any")
    action = SelectField(_l("Action"), coerce=str, validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()],
                          render_kw={"min": EARLIEST.isoformat(), "max": LATEST.isoformat()})
    date_to = DateField(_l("Up to and including"), validators=[Optional()],
                        render_kw={"min": EARLIEST.isoformat(), "max": LATEST.isoformat()})

    def set_choices(self, people: list[tuple[int, str]], actions: list[tuple[str, str]]) -> None:
        """Offer these people (id, label) and actions (code, label), and "anyone"/"any action"."""
        self.person.choices = [SelectChoice("", _l("Anyone")), *[SelectChoice(str(i), label) for i, label in people]]
        self.action.choices = [SelectChoice("", _l("Any action")), *[SelectChoice(code, label) for code, label in actions]]

    def validate_person(self, field: SelectField) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(_l("Choose a person from the list."))

    def validate_action(self, field: SelectField) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(_l("Choose an action from the list."))

    def validate_date_from(self, field: DateField) -> None:
        _in_range(field)

    def validate_date_to(self, field: DateField) -> None:
        _in_range(field)
        if field.data and self.date_from.data and self.date_from.data > field.data:
            raise ValidationError(_l("The end of the period lies before its start."))
