"""Console forms: a new practice, a subscription, the end of a subscription."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, EmailField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.mail.addresses import InvalidAddress, normalise_address
from app.tenancy.services import find_practice
from app.tenancy.slugs import RESERVED_SLUGS, is_valid_slug

EARLIEST = date(2000, 1, 1)
LATEST = date(2200, 12, 31)


def _sane_date(form: FlaskForm, field: DateField) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2200."))


class NewPracticeForm(FlaskForm):
    """A practice's web address, name and first practice admin."""

    slug = StringField(
        _l("Web address (slug)"),
        description=_l("3 to 40 lowercase letters, digits or hyphens; the practice is found at /<slug>/."),
        validators=[DataRequired(_l("Enter a web address.")), Length(max=40)],
    )
    name = StringField(_l("Practice name"), validators=[DataRequired(_l("Enter the practice's name.")), Length(max=200)])
    admin_email = EmailField(
        _l("E-mail address of the first practice admin"),
        description=_l("They receive an invitation link to choose a password."),
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )

    def validate_slug(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value in RESERVED_SLUGS:
            raise ValidationError(_l("This web address is reserved; choose another."))
        if not is_valid_slug(value):
            raise ValidationError(
                _l("Use 3 to 40 lowercase letters, digits or hyphens, starting and ending with a letter or digit.")
            )
        if find_practice(value) is not None:
            raise ValidationError(_l("A practice with this web address already exists."))

    def validate_admin_email(self, field: EmailField) -> None:
        try:
            normalise_address(field.data or "")
        except InvalidAddress:
            raise ValidationError(_l("Enter a valid e-mail address.")) from None


class SubscriptionForm(FlaskForm):
    """A new subscription: plan, price per month, start and (optional) end."""

    plan = StringField(_l("Plan"), validators=[DataRequired(_l("Enter the plan's name.")), Length(max=100)])
    price = DecimalField(
        _l("Price per month (euros, excluding VAT)"),
        places=2,
        validators=[
            InputRequired(_l("Enter a price in euros, for example 49.50.")),
            NumberRange(min=Decimal(0), max=Decimal(100_000), message=_l("Enter a price between 0 and 100,000 euros.")),
        ],
    )
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(_l("Enter a valid start date.")), _sane_date])
    ends_on = DateField(
        _l("Ends on"), description=_l("Leave empty for an open-ended subscription."), validators=[Optional(), _sane_date]
    )

    def validate_price(self, field: DecimalField) -> None:
        if field.data is None:
            raise ValidationError(_l("Enter a price in euros, for example 49.50."))
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Enter a price in whole cents."))

    def price_cents(self) -> int:
        return int((self.price.data * 100).to_integral_value())


class EndSubscriptionForm(FlaskForm):
    """The end date of the current subscription."""

    ends_on = DateField(
        _l("Ends on"),
        description=_l("A past date ends it at once (the practice becomes read-only); a future date ends it then."),
        validators=[DataRequired(_l("Enter a valid end date.")), _sane_date],
    )
