"""Redirect targets that stay on this site."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, prefix: str = "/") -> str | None:
    """target if it is a path on this site under prefix, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(prefix) or target.startswith("//") or "\\" in target:
        return None
    # A browser resolves "..": "/demo/../other/" would leave the prefix after the check.
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
        return None
    return target
