"""Forms of the console's billing pages: billing details, invoices and their lines, payments."""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.billing import models
from app.billing.services import (
    DETAIL_FIELDS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_UNIT_PRICE_CENTS,
    LineInput,
)
from app.mail.addresses import InvalidAddress, normalise_address
from app.timeutil import utcnow

EARLIEST_DATE = date(2000, 1, 1)
DAYS_AHEAD = 31
NEW_LINE_ROWS = 3
_AMOUNT = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
_QUANTITY = re.compile(r"^\d{1,6}$")
_VAT_NUMBER = re.compile(r"^[A-Z]{2}[A-Z0-9+*]{2,12}$")


def today() -> date:
    return utcnow().date()


def first_of_month() -> date:
    return today().replace(day=1)


def last_of_month() -> date:
    day = today()
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def latest_date() -> date:
    """Invoices and payments are dated at most a month ahead."""
    return today() + timedelta(days=DAYS_AHEAD)


def euro_cents(text: str) -> int:
    """"12", "12,5" or "12.50" as cents; ValueError for anything else."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        raise ValueError(text)
    euros, fraction = match.groups()
    return int(euros) * 100 + int((fraction or "0").ljust(2, "0"))


def _practice_choice(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _check_date(field: DateField, message: Any) -> None:
    if field.data and not EARLIEST_DATE <= field.data <= latest_date():
        raise ValidationError(message)


class BillingDetailsForm(FlaskForm):
    """To whom and where a practice's invoices go."""

    name = StringField(
        _l("Name on the invoice"),
        validators=[DataRequired(_l("Enter the name invoices are addressed to.")), Length(max=models.NAME_MAX_LENGTH)],
    )
    address = TextAreaField(
        _l("Street and number"),
        validators=[DataRequired(_l("Enter the street and number.")), Length(max=models.ADDRESS_MAX_LENGTH)],
    )
    postcode = StringField(
        _l("Postcode"), validators=[DataRequired(_l("Enter the postcode.")), Length(max=models.POSTCODE_MAX_LENGTH)]
    )
    city = StringField(_l("City"), validators=[DataRequired(_l("Enter the city.")), Length(max=models.CITY_MAX_LENGTH)])
    country = StringField(
        _l("Country"), validators=[DataRequired(_l("Enter the country.")), Length(max=models.COUNTRY_MAX_LENGTH)]
    )
    vat_number = StringField(
        _l("VAT number (optional)"),
        description=_l("For example NL123456789B01."),
        validators=[Optional(), Length(max=models.VAT_NUMBER_MAX_LENGTH)],
    )
    email = StringField(
        _l("Billing e-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address invoices are sent to.")),
            Length(max=models.EMAIL_MAX_LENGTH),
        ],
    )

    def validate_email(self, field: StringField) -> None:
        try:
            field.data = normalise_address(field.data or "")
        except InvalidAddress:
            raise ValidationError(_l("Enter a valid e-mail address.")) from None

    def validate_vat_number(self, field: StringField) -> None:
        if field.data and not _VAT_NUMBER.match(field.data.upper().replace(" ", "").replace(".", "")):
            raise ValidationError(_l("Enter a VAT number as a country code and digits, e.g. NL123456789B01."))

    def details(self) -> dict[str, str]:
        data = {name: (getattr(self, name).data or "") for name in DETAIL_FIELDS}
        data["vat_number"] = data["vat_number"].replace(".", "")
        return data


class LineForm(FlaskForm):
    """One line of a new invoice; a row left empty is skipped."""

    class Meta:
        csrf = False  # part of the invoice form, which carries the token

    description = StringField(_l("Description"), validators=[Length(max=models.DESCRIPTION_MAX_LENGTH)])
    quantity = StringField(_l("Quantity"))
    unit_price = StringField(_l("Unit price in euro, excl. VAT"))

    def is_empty(self) -> bool:
        return not any((f.data or "").strip() for f in (self.description, self.quantity, self.unit_price))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_empty():
            return ok
        if not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, _l("Describe what this line is for.")]
            ok = False
        quantity = (self.quantity.data or "").strip()
        if not _QUANTITY.match(quantity) or not 1 <= int(quantity) <= MAX_QUANTITY:
            self.quantity.errors = [
                *self.quantity.errors, _l("Enter a whole number from 1 to %(max)s.", max=MAX_QUANTITY)
            ]
            ok = False
        try:
            cents = euro_cents(self.unit_price.data or "")
        except ValueError:
            cents = -1
        if not 0 <= cents <= MAX_UNIT_PRICE_CENTS:
            self.unit_price.errors = [
                *self.unit_price.errors, _l("Enter a price of zero or more, like 12,50 (no minus sign).")
            ]
            ok = False
        return ok

    def line(self) -> LineInput:
        return LineInput((self.description.data or "").strip(), int(self.quantity.data), euro_cents(self.unit_price.data))


class _PracticeForm(FlaskForm):
    practice_id = SelectField(
        _l("Practice"), coerce=_practice_choice, validate_choice=True,
        validators=[DataRequired(_l("Choose a practice."))],
    )

    def set_practices(self, choices: list[tuple[int, str]]) -> None:
        self.practice_id.choices = [("", _l("Choose a practice"))] + choices  # type: ignore[list-item]

    def validate_practice_id(self, field: SelectField) -> None:
        if field.data is None:
            raise ValidationError(_l("Choose a practice."))


class InvoiceForm(_PracticeForm):
    """A free-form invoice: a practice, dates and lines."""

    invoice_date = DateField(
        _l("Invoice date"), default=today, validators=[DataRequired(_l("Enter the invoice date as a valid date."))]
    )
    period_start = DateField(_l("Period from (optional)"), validators=[Optional()])
    period_end = DateField(_l("Period until (optional)"), validators=[Optional()])
    lines = FieldList(FormField(LineForm), min_entries=NEW_LINE_ROWS, max_entries=MAX_LINES)

    def validate_invoice_date(self, field: DateField) -> None:
        _check_date(field, _l("Choose an invoice date from 2000 until a month from today."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        start, end = self.period_start, self.period_end
        if not (start.errors or end.errors) and bool(start.data) != bool(end.data):
            (end if start.data else start).errors.append(_l("Enter both dates of the period, or neither."))
            ok = False
        return ok

    def validate_period_end(self, field: DateField) -> None:
        start = self.period_start.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The period must end on or after its start."))
        for value in (start, field.data):
            if value and not EARLIEST_DATE <= value <= date(today().year + 5, 12, 31):
                raise ValidationError(_l("Choose a period between 2000 and five years from now."))

    def validate_lines(self, field: FieldList) -> None:
        if not self.filled_lines():
            raise ValidationError(_l("Fill in at least one line."))

    def filled_lines(self) -> list[LineForm]:
        return [entry.form for entry in self.lines.entries if not entry.form.is_empty()]

    def invoice_lines(self) -> list[LineInput]:
        return [form.line() for form in self.filled_lines()]

    def period(self) -> tuple[date, date] | None:
        if self.period_start.data and self.period_end.data:
            return (self.period_start.data, self.period_end.data)
        return None


class SubscriptionInvoiceForm(_PracticeForm):
    """Invoice whole months of a practice's current subscription."""

    period_start = DateField(
        _l("First day of the period"), default=first_of_month, validators=[DataRequired(_l("Enter the first day as a valid date."))]
    )
    period_end = DateField(
        _l("Last day of the period"), default=last_of_month, validators=[DataRequired(_l("Enter the last day as a valid date."))]
    )
    invoice_date = DateField(
        _l("Invoice date"), default=today, validators=[DataRequired(_l("Enter the invoice date as a valid date."))]
    )

    def validate_invoice_date(self, field: DateField) -> None:
        _check_date(field, _l("Choose an invoice date from 2000 until a month from today."))

    def validate_period_start(self, field: DateField) -> None:
        if field.data and not EARLIEST_DATE <= field.data <= date(today().year + 5, 12, 31):
            raise ValidationError(_l("Choose a period between 2000 and five years from now."))

    def validate_period_end(self, field: DateField) -> None:
        if field.data and not EARLIEST_DATE <= field.data <= date(today().year + 5, 12, 31):
            raise ValidationError(_l("Choose a period between 2000 and five years from now."))


class PaidForm(FlaskForm):
    """When an invoice was paid."""

    paid_on = DateField(_l("Paid on"), default=today, validators=[DataRequired(_l("Enter the payment date as a valid date."))])

    def validate_paid_on(self, field: DateField) -> None:
        if field.data and field.data > today():
            raise ValidationError(_l("A payment date cannot be in the future."))


class CreditForm(FlaskForm):
    """The date of a credit invoice that cancels an invoice."""

    invoice_date = DateField(
        _l("Date of the credit invoice"), default=today,
        validators=[DataRequired(_l("Enter the date of the credit invoice as a valid date."))],
    )

    def validate_invoice_date(self, field: DateField) -> None:
        _check_date(field, _l("Choose an invoice date from 2000 until a month from today."))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (mark unpaid)."""
