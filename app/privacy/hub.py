"""The blocks of a person's own privacy page: each rights feature registers one.

The page (`practice.privacy.mine`) renders each block's template on its own with the dict its
loader returned as the template's variables, and wraps it in a card; a block starts with its
own <h2>. Whatever a loader audits is committed after the whole page is rendered.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.accounts.models import User

BlockLoader = Callable[[User], dict[str, Any]]


@dataclass(frozen=True)
class PrivacyBlock:
    """A part of the "my privacy" page: its fragment template, for whom, and what it needs."""

    name: str
    template: str
    order: int
    roles: tuple[str, ...]
    load: BlockLoader  # (person) -> template context


_BLOCKS: dict[str, PrivacyBlock] = {}


def privacy_block(name: str, template: str, order: int, roles: tuple[str, ...]) -> Callable[[BlockLoader], BlockLoader]:
    """Register the decorated function as the loader of a block on the "my privacy" page."""

    def register(load: BlockLoader) -> BlockLoader:
        _BLOCKS[name] = PrivacyBlock(name, template, order, roles, load)
        return load

    return register


def blocks_for(person: User) -> list[tuple[PrivacyBlock, dict[str, Any]]]:
    """The blocks this person sees, in page order, each with its loaded context."""
    chosen = sorted((b for b in _BLOCKS.values() if person.role in b.roles), key=lambda b: (b.order, b.name))
    return [(block, block.load(person)) for block in chosen]
