"""The import form: a client's archive, and optionally the coach who takes them on."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField


class ImportForm(FlaskForm):
    """Upload a client's archive (.zip); the coach choices are set by the view."""

    file = FileField(
        _l("Archive of a client (.zip)"),
        validators=[FileRequired(_l("Choose the archive to import."))],
        render_kw={"accept": ".zip,application/zip"},
    )
    coach = SelectField(_l("Coach"), coerce=int, default=0, validate_choice=True)

    def set_coaches(self, coaches: list[tuple[int, str]]) -> None:
        self.coach.choices = [(0, str(_l("No coach yet")))] + coaches
