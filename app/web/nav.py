"""The main menu: each feature registers its own entries, per role."""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """One menu entry; badge_endpoint, if set, serves a small count fragment polled by htmx."""

    endpoint: str
    label: str  # a lazy_gettext string
    roles: tuple[str, ...]
    order: int
    badge_endpoint: str | None = None


_ITEMS: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> None:
    """Add (or replace) a menu entry; called when a routes module is imported."""
    _ITEMS[item.endpoint] = item


def nav_items() -> list[NavItem]:
    """The entries for the signed-in person, in order."""
    role = getattr(current_user, "role", None)
    return sorted((i for i in _ITEMS.values() if role in i.roles), key=lambda i: (i.order, i.endpoint))
