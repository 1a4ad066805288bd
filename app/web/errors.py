"""Error pages in the visitor's language, for browsers and for htmx."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from markupsafe import escape
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.tenancy.routes import select_practice_of_unknown_page

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("This page does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("File too large"), _("What you sent is larger than this system accepts.")),
        422: (_("Check your input"), _("Some of what you entered could not be used.")),
        429: (_("Too many attempts"), _("Wait a moment and try again.")),
        500: (_("Something went wrong"), _("An error occurred on our side. Nothing you entered was saved; please try again.")),
        503: (
            _("Temporarily unavailable"),
            _("Koers is being updated for this practice and will be back shortly. Please try again in a few minutes."),
        ),
    }


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """The error page for code; a bare page if even that cannot be rendered."""
    messages = _messages()
    title, text = messages.get(code, messages[500] if code >= 500 else messages[400])
    try:
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code
    except Exception as error:  # the layout needs the database; it may be what failed
        log.error("error page could not be rendered: %s", type(error).__name__)
        return f"<!doctype html><title>{code}</title><h1>{escape(title)}</h1><p>{escape(detail or text)}</p>", code


def _http_error(error: HTTPException) -> tuple[str, int]:
    if error.code == 404:
        # A mistyped page inside a practice still shows that practice's header and sign-in state.
        select_practice_of_unknown_page(request.path)
    return render_error(error.code or 500)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    db.session.rollback()
    return render_error(
        400, _("This form has expired or was sent from elsewhere. Reload the page and try again.")
    )


def _server_error(error: Exception) -> tuple[str, int]:
    # Undo whatever the failed request had begun: nothing half-done is committed.
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled error: %s", type(original).__name__, exc_info=original)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
