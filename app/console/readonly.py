"""A practice whose subscription ended is read-only; a suspended practice lets nobody in.

One before_request hook on the practice blueprint decides it for every practice page, with an
explicit allow-list of what still works after the end: signing in and out, one's own account and
language, and the privacy rights (privacy pages, consent, restrictions, requests, export).
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context, make_response, render_template, request
from werkzeug.wrappers import Response

from app.console.services import is_read_only, special_data_erasure_date, subscription_end
from app.extensions import db
from app.tenancy.context import current_practice_or_none
from app.tenancy.models import PracticeStatus
from app.web.htmx import is_htmx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Blueprints whose changes stay allowed in a read-only practice: one's own account and sign-in,
# and the privacy rights (information, consent, restriction, requests and erasure, export).
OPEN_BLUEPRINTS = frozenset({
    "practice.accounts", "practice.privacy", "practice.consent", "practice.restrictions",
    "practice.rights", "practice.archive",
})
# ...except importing an archive, which fills the practice with new data.
CLOSED_ENDPOINTS = frozenset({"practice.archive.import_archive"})
# Deleting a dossier sooner is data minimisation, not new work: it stays possible.
OPEN_ENDPOINTS = frozenset({"practice.dossiers.delete"})


def still_allowed(endpoint: str | None, blueprint: str | None) -> bool:
    """True for the changes a read-only practice still accepts."""
    return (blueprint in OPEN_BLUEPRINTS and endpoint not in CLOSED_ENDPOINTS) or endpoint in OPEN_ENDPOINTS


def _refuse(template: str, fragment: str, **context: Any) -> Response:
    db.session.rollback()
    response = make_response(render_template(fragment if is_htmx() else template, **context), 403)
    response.vary.add("HX-Request")
    return response


def guard_practice() -> Response | None:
    """Before every practice page: suspended practices show a notice; ended ones refuse changes."""
    practice = current_practice_or_none()
    if practice is None:
        return None
    if practice.status == PracticeStatus.SUSPENDED:
        return _refuse("console/suspended.html", "console/_suspended.html")
    if request.method in SAFE_METHODS or still_allowed(request.endpoint, request.blueprint):
        return None
    if not is_read_only(practice.slug):
        return None
    return _refuse(
        "console/read_only.html", "console/_read_only.html",
        ended_on=subscription_end(practice.slug), erasure_on=special_data_erasure_date(practice.slug),
    )


def read_only_notice() -> dict[str, Any] | None:
    """For the banner on every page of a read-only practice: its end date and erasure date."""
    if not has_request_context():
        return None
    practice = current_practice_or_none()
    if practice is None or not is_read_only(practice.slug):
        return None
    return {"ended_on": subscription_end(practice.slug), "erasure_on": special_data_erasure_date(practice.slug)}


def install(practice_bp: Any, app_context_source: Any) -> None:
    """Hook the guard into the practice blueprint and offer the banner to templates."""
    practice_bp.before_request(guard_practice)
    app_context_source.app_context_processor(lambda: {"read_only_notice": read_only_notice})
