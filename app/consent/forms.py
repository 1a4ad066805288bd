"""Forms of the consent package: giving and withdrawing consent, the opt-in, the admin's forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.consent.models import BODY_MAX_LENGTH, ConsentHow


class GiveConsentForm(FlaskForm):
    """Explicit consent: an unticked box the client ticks themself."""

    version = HiddenField()
    agree = BooleanField(
        _l("I have read this text and I consent to the processing of my personal data as it describes."),
        validators=[DataRequired(_l("Tick the box to give your consent."))],
        default=False,
    )

    def validate_version(self, field: HiddenField) -> None:
        if not (field.data or "").isdigit() or len(field.data) > 9:
            raise ValidationError(_l("Reload the page and read the consent text again."))


class WithdrawForm(FlaskForm):
    """Withdrawing consent, confirmed with a tick."""

    confirm = BooleanField(
        _l("I withdraw my consent. I understand that nothing new can be added to my dossier from now on."),
        validators=[DataRequired(_l("Tick the box to confirm that you withdraw your consent."))],
        default=False,
    )


class MarketingForm(FlaskForm):
    """The separate opt-in for news and offers; unticked unless the person opted in."""

    news = BooleanField(_l("Send me news and offers about Koers by e-mail"), default=False)


class PublishForm(FlaskForm):
    """A new version of the consent text, in both languages."""

    body_nl = TextAreaField(
        _l("Text in Dutch"),
        description=_l("Markdown: a blank line starts a paragraph, ### a heading, - a list item."),
        validators=[
            InputRequired(_l("Write the Dutch text.")),
            Length(max=BODY_MAX_LENGTH, message=_l("Keep each text under %(max)d characters.", max=BODY_MAX_LENGTH)),
        ],
    )
    body_en = TextAreaField(
        _l("Text in English"),
        validators=[
            InputRequired(_l("Write the English text.")),
            Length(max=BODY_MAX_LENGTH, message=_l("Keep each text under %(max)d characters.", max=BODY_MAX_LENGTH)),
        ],
    )


def _how_choices() -> list[tuple[str, str]]:
    return [(how, ConsentHow.label(how)) for how in ConsentHow.RECEIVED]


class RecordForm(FlaskForm):
    """A consent or withdrawal the practice received outside Koers: how it came in."""

    how = SelectField(_l("Received"), choices=_how_choices, validate_choice=True)
