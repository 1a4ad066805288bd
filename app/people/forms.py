"""The practice admin's invitation form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.models import Role


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CoachesForm(FlaskForm):
    """The coaches who guide a client."""

    coaches = CheckboxesField(_l("Coaches"), coerce=int, validate_choice=True)


class InviteForm(FlaskForm):
    """Invite a coach, client or practice admin."""

    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter a first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter a last name.")), Length(max=100)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.COACH, _l("Coach")),
            SelectChoice(Role.CLIENT, _l("Client")),
            SelectChoice(Role.PRACTICE_ADMIN, _l("Practice admin")),
        ],
        validators=[DataRequired(_l("Choose a role."))],
    )
    locale = SelectField(
        _l("Language of the invitation and the account"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
        validate_choice=False,  # left out, it is the admin's own language
        validators=[Optional(), AnyOf(("nl", "en"), _l("Choose Dutch or English."))],
    )
    coaches = CheckboxesField(_l("Coaches (for a client)"), coerce=int, validate_choice=True)

    def validate_coaches(self, field: CheckboxesField) -> None:
        """A client needs at least one coach; others none."""
        from wtforms.validators import ValidationError

        if self.role.data == Role.CLIENT and not field.data:
            raise ValidationError(_l("Choose at least one coach for a client."))
