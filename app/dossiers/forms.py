"""Forms of the dossiers package: the retention policy, extending a dossier once, deleting it now."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.dossiers.models import EXTENSION_MONTHS, MAX_CAP_MONTHS, REASON_MAX, OnExpiry
from app.rights.forms import EraseForm as DeleteNowForm  # the same confirmation: the client's full name

__all__ = ["DeleteNowForm", "ExtendForm", "PolicyForm"]


class PolicyForm(FlaskForm):
    """The practice's legal cap on keeping dossiers, and what happens at the due date."""

    retention_cap_months = IntegerField(
        _l("Legal cap on keeping a dossier (months)"),
        description=_l(
            "The longest the practice may keep a dossier after the programme ends; the retention period cannot be set longer."
        ),
        validators=[InputRequired(_l("Enter a number of months."))],
        render_kw={"min": 0, "max": MAX_CAP_MONTHS, "inputmode": "numeric"},
    )
    on_expiry = RadioField(
        _l("At the due date"),
        choices=[
            SelectChoice(OnExpiry.ERASE, _l("Erase the client and everything of theirs")),
            SelectChoice(OnExpiry.ANONYMISE, _l("Anonymise: keep exercise answers and questionnaire results without any link to a person, erase the rest")),
        ],
        validators=[InputRequired(_l("Choose what happens at the due date."))],
    )

    def validate_retention_cap_months(self, field: IntegerField) -> None:
        if field.data is not None and not (0 <= field.data <= MAX_CAP_MONTHS):
            raise ValidationError(_l("Enter a number of months between %(min)d and %(max)d.", min=0, max=MAX_CAP_MONTHS))


class ExtendForm(FlaskForm):
    """Keep one client's dossier longer, once, for a reason."""

    months = SelectField(
        _l("Keep longer by"),
        choices=[SelectChoice(str(m), _l("%(num)d months", num=m)) for m in EXTENSION_MONTHS],
        default=str(EXTENSION_MONTHS[1]),
        validators=[InputRequired(_l("Choose how many months to keep the dossier longer."))],
    )
    reason = TextAreaField(
        _l("Why the dossier is kept longer"),
        validators=[DataRequired(_l("Say why the dossier is kept longer.")),
                    Length(max=REASON_MAX, message=_l("Keep this under %(max)d characters.", max=REASON_MAX))],
    )

    def validate_months(self, field: SelectField) -> None:
        if field.data not in {str(m) for m in EXTENSION_MONTHS}:
            raise ValidationError(_l("Choose how many months to keep the dossier longer."))
