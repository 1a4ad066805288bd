"""The console's sign-in, sign-out and error pages; the practice pages are in practice_routes.py."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.accounts.forms import LoginForm
from app.console import operators
from app.console.access import current_operator, operator_required
from app.console.nav import console_nav, register_console_nav
from app.extensions import db
from app.web.errors import _messages
from app.web.navigation import safe_next

log = logging.getLogger(__name__)

# cli_group=None: the console's commands (`flask operators ...`) sit at the top level.
bp = Blueprint("console", __name__, url_prefix="/platform", cli_group=None)

register_console_nav("console.index", _l("Practices"), 10)
register_console_nav("console.events", _l("Console log"), 90)

Page = Response | str | tuple[str, int]


@bp.app_context_processor
def console_helpers() -> dict[str, object]:
    return {"current_operator": current_operator, "console_nav": console_nav}


def render_console_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """An error page in the console's own layout (the practice layout has a practice's menu)."""
    messages = _messages()
    title, text = messages.get(code, messages[500] if code >= 500 else messages[400])
    return render_template("console/error.html", code=code, title=title, text=detail or text), code


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int]:
    if (error.code or 500) >= 500:
        db.session.rollback()
        original = getattr(error, "original_exception", None) or error
        log.error("unhandled console error: %s", type(original).__name__, exc_info=original)
    return render_console_error(error.code or 500)


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[str, int]:
    db.session.rollback()
    return render_console_error(400, _("This form has expired or was sent from elsewhere. Reload the page and try again."))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    """The console's sign-in page, for operators only."""
    if current_operator() is not None:
        return redirect(url_for("console.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        operator = operators.authenticate(form.email.data or "", form.password.data or "")
        if operator is not None:
            # Two-factor sign-in (a later issue) checks the second factor here, before the session starts.
            target = safe_next(form.next.data, "/platform/") or url_for("console.index")
            lang = session.get("lang")
            session.clear()  # nothing carried over from a practice session: no fixation
            if lang:
                session["lang"] = lang
            operators.start_session(operator, form.password.data or "")
            login_user(operator)
            return redirect(target, 303)
        form.form_errors.append(_("This e-mail address and password do not match. Try again."))
    status = 422 if request.method == "POST" else 200
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
@operator_required
def logout() -> Response:
    """End this console session, here and on the server."""
    lang = session.get("lang")
    operators.sign_out(current_operator())
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("console.login"), 303)


# The practice and subscription pages register on bp.
from app.console import practice_routes as _practice_routes  # noqa: E402,F401
from app.console.cli import operators_cli  # noqa: E402

bp.cli.add_command(operators_cli)
