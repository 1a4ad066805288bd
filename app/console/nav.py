"""The console's own menu; billing and retention add their entries with register_console_nav()."""
from __future__ import annotations

_ITEMS: dict[str, tuple[str, int]] = {}


def register_console_nav(endpoint: str, label: str, order: int) -> None:
    """Add (or replace) a console menu entry; label is a lazy_gettext string."""
    _ITEMS[endpoint] = (label, order)


def console_nav() -> list[tuple[str, str]]:
    """(endpoint, label) of every console menu entry, in order."""
    return [(endpoint, label) for endpoint, (label, _order) in sorted(_ITEMS.items(), key=lambda i: (i[1][1], i[0]))]
