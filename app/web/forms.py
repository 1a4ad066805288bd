"""Forms shared by every part of the web layer."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LanguageForm(FlaskForm):
    """The language switch in the page header."""

    locale = HiddenField(validators=[DataRequired(), AnyOf(("nl", "en"))])
    next = HiddenField()
