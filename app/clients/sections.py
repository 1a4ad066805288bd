"""The dossier's sections: each feature registers one, loaded into the page as an htmx fragment."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.accounts.models import User

SectionLoader = Callable[[User, User], dict[str, Any]]


@dataclass(frozen=True)
class DossierSection:
    """A part of the dossier page: its title, fragment template and what it needs."""

    name: str
    title: str  # a lazy_gettext string
    template: str
    order: int
    load: SectionLoader  # (client, viewer) -> template context


_SECTIONS: dict[str, DossierSection] = {}


def dossier_section(name: str, title: str, template: str, order: int) -> Callable[[SectionLoader], SectionLoader]:
    """Register the decorated function as the loader of a dossier section."""

    def register(load: SectionLoader) -> SectionLoader:
        _SECTIONS[name] = DossierSection(name, title, template, order, load)
        return load

    return register


def sections() -> list[DossierSection]:
    """Every registered section, in page order."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def section(name: str) -> DossierSection | None:
    """The section with this name."""
    return _SECTIONS.get(name)
