"""Practice slugs: validated before they ever become a file name."""
from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, ValidationError

SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]"
_SLUG_RE = re.compile(rf"\A{SLUG_PATTERN}\Z")

# First path segments that belong to the application itself, never to a practice; and
# "master", whose key file (keys/master.key) is the instance master key.
RESERVED_SLUGS = frozenset(
    {
        "static", "healthz", "platform", "admin", "api", "language", "login", "logout",
        "assets", "favicon", "robots", "well-known", "www", "mail", "koers", "demo-reset",
        "about", "help", "privacy", "status", "system", "root", "master",
    }
)


def is_valid_slug(slug: str) -> bool:
    """True for 3-40 lowercase letters, digits and inner hyphens that are not reserved."""
    return bool(_SLUG_RE.match(slug)) and slug not in RESERVED_SLUGS


class SlugConverter(BaseConverter):
    """URL converter that lets only valid, unreserved slugs reach a practice route."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        if not is_valid_slug(value):
            raise ValidationError()
        return value
