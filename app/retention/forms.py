"""The console's retention preview form."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from app.timeutil import utcnow

LATEST = date(2200, 12, 31)


class PreviewForm(FlaskForm):
    """A dry run of the retention job, today or as of a later day."""

    as_of = DateField(
        _l("As of (optional)"),
        description=_l("Leave empty for today; a later date shows what will be due then."),
        validators=[Optional()],
    )

    def validate_as_of(self, field: DateField) -> None:
        if field.data is not None and not utcnow().date() <= field.data <= LATEST:
            raise ValidationError(_l("Enter today or a later date before 2200."))
