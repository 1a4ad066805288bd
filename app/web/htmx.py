"""The htmx idiom: one fragment template, included by the page and returned alone to htmx."""
from __future__ import annotations

from typing import Any

from flask import make_response, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not a history restore)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def page_or_fragment(page_template: str, fragment_template: str, status: int = 200, **context: Any) -> Response:
    """The whole page, or only its fragment for htmx; caches are told the answer varies."""
    template = fragment_template if is_htmx() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
