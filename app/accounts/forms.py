"""Sign-in, invitation, password and profile forms."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    """E-mail and password; the fields are named `email` and `password`."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])
    next = HiddenField()


class _NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password.")), Length(max=1024)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.password.description = ngettext(
            "At least %(num)d character. A few unrelated words make a strong password.",
            "At least %(num)d characters. A few unrelated words make a strong password.",
            current_app.config["PASSWORD_MIN_LENGTH"],
        )


class AcceptInvitationForm(_NewPasswordMixin, FlaskForm):
    """The invited person's name and first password."""

    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter your last name.")), Length(max=100)])


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])


class ResetPasswordForm(_NewPasswordMixin, FlaskForm):
    """Choose a new password through a reset link."""


class ChangePasswordForm(_NewPasswordMixin, FlaskForm):
    """Change the password while signed in."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)]
    )


class ProfileForm(FlaskForm):
    """The person's own contact details (rectification)."""

    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter your last name.")), Length(max=100)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])


class ConfirmPasswordForm(FlaskForm):
    """The password again, before a dangerous action."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])
    next = HiddenField()
