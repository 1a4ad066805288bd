"""Pages outside any practice: the landing page, the health check, the language switch."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import __version__
from app.tenancy.context import current_practice_or_none
from app.tenancy.migrations import schema_version
from app.tenancy.services import count_practices, find_practice
from app.web.forms import LanguageForm
from app.web.nav import nav_items
from app.web.navigation import safe_next

bp = Blueprint("web", __name__)

# Vendored, never from a CDN; the version is in the file name so caches cannot mix versions.
HTMX_FILE = "js/htmx-2.0.11.min.js"


@bp.get("/")
def index() -> str:
    """Where a visitor finds their practice's sign-in page."""
    return render_template("web/index.html")


@bp.post("/")
def find() -> Response | tuple[str, int]:
    """Go to the sign-in page of the practice whose address was entered."""
    slug = (request.form.get("practice") or "").strip().lower()
    if find_practice(slug) is None:
        return render_template("web/index.html", error=_("No practice uses this web address. Check the spelling.")), 404
    return redirect(url_for("practice.accounts.login", practice=slug), 303)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness and version, without touching any practice's data."""
    return jsonify(
        status="ok",
        version=__version__,
        schema_version=schema_version(),
        practices=count_practices(),
    )


@bp.post("/language")
def switch_language() -> Response | tuple[str, int]:
    """Remember a language for this browser (outside a practice)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400, title=_("Bad request"), text=_("Choose Dutch or English.")), 400
    session["lang"] = form.locale.data
    return redirect(safe_next(form.next.data) or url_for("web.index"), 303)


@bp.app_context_processor
def inject_globals() -> dict[str, object]:
    """Values every template may use."""
    return {
        "practice": current_practice_or_none(),
        "htmx_file": HTMX_FILE,
        "get_locale": get_locale,
        "nav_items": nav_items,
    }
