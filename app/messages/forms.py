"""The form for writing a message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.messages.models import BODY_MAX_LENGTH


class MessageForm(FlaskForm):
    """A new message in a thread."""

    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(_l("Write a message before sending it.")),
            Length(max=BODY_MAX_LENGTH, message=_l("Keep a message under %(max)d characters.", max=BODY_MAX_LENGTH)),
        ],
    )
