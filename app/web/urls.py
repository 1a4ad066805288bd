"""Absolute links for e-mails, built from BASE_URL and never from the request's Host header."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of endpoint under the configured BASE_URL."""
    # A Host header is chosen by the client; a reset link built from it could point elsewhere.
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def practice_path(endpoint: str, **values: Any) -> str:
    """The path of a page in the current practice; works in requests, jobs and commands alike."""
    from app.tenancy.context import current_practice

    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, {"practice": current_practice().slug, **values})
