"""The /<practice>/ URL prefix: every practice page is found through it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort

from app.tenancy import services
from app.tenancy.context import current_practice_or_none, select_practice
from app.tenancy.models import PracticeStatus

bp = Blueprint("practice", __name__, url_prefix="/<slug:practice>")


@bp.url_value_preprocessor
def load_practice(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Select the practice named in the URL, or answer 404 / 503."""
    slug = (values or {}).pop("practice", None)
    practice = services.find_practice(slug) if slug else None
    # An erased practice's file is gone, but another process may still hold it open: never serve it.
    if practice is None or practice.status == PracticeStatus.ERASED:
        abort(404)
    if not services.is_current(practice.slug):
        abort(503)
    select_practice(practice)


def select_practice_of_unknown_page(path: str) -> None:
    """For a 404 under /<slug>/ that matched no route: show the page within that practice."""
    if current_practice_or_none() is not None:
        return
    slug = path.lstrip("/").split("/", 1)[0]
    practice = services.find_practice(slug)
    if practice is not None and practice.status != PracticeStatus.ERASED and services.is_current(practice.slug):
        select_practice(practice)


@bp.url_defaults
def add_practice(endpoint: str, values: dict[str, Any]) -> None:
    """url_for() inside a practice links within the same practice."""
    practice = current_practice_or_none()
    if practice is not None:
        values.setdefault("practice", practice.slug)
