"""The upload form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.documents.filetypes import ACCEPT


class UploadForm(FlaskForm):
    """One file; its description (the accepted types and the size limit) is set by the view."""

    file = FileField(
        _l("Document"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ACCEPT},
    )
