"""The journal entry form."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from app.reports.forms import ReasonableDate

TEXT_MAX = 20_000
MOODS = ("1", "2", "3", "4", "5")


def mood_choices() -> list[tuple[str, str]]:
    return [
        ("", _l("No mood")),
        ("1", _l("1 – very bad")),
        ("2", _l("2 – bad")),
        ("3", _l("3 – okay")),
        ("4", _l("4 – good")),
        ("5", _l("5 – very good")),
    ]


class JournalForm(FlaskForm):
    """Date, optional mood and the text of an entry."""

    entry_date = DateField(
        _l("Date"), default=date.today,
        validators=[InputRequired(_l("Enter a date.")), ReasonableDate()],
    )
    mood = SelectField(
        _l("Mood (optional)"), choices=mood_choices, validate_choice=False, default="",
        validators=[AnyOf(("", *MOODS), message=_l("Choose a mood from 1 to 5, or none."))],
    )
    text = TextAreaField(
        _l("What is on your mind?"),
        validators=[
            DataRequired(_l("Write something in your entry.")),
            Length(max=TEXT_MAX, message=_l("Keep your entry under %(max)d characters.", max=TEXT_MAX)),
        ],
        render_kw={"rows": 10},
    )

    def values(self) -> dict[str, object]:
        """The entry's fields as the services take them."""
        return {"entry_date": self.entry_date.data, "mood": int(self.mood.data) if self.mood.data else None, "text": self.text.data}
