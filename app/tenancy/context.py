"""Which practice the current request, command or job works in."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine

from app.extensions import db
from app.tenancy.engines import PracticeEngines
from app.tenancy.session import NoPracticeSelected


@dataclass(frozen=True)
class PracticeRef:
    """The facts about a practice that requests need, detached from any session."""

    slug: str
    name: str
    status: str
    is_demo: bool


def practice_engines() -> PracticeEngines:
    """The app's cache of practice engines."""
    return current_app.extensions["koers_practice_engines"]


def current_practice_or_none() -> PracticeRef | None:
    """The selected practice, or None outside a practice."""
    return g.get("koers_practice")


def current_practice() -> PracticeRef:
    """The selected practice; raises instead of guessing when there is none."""
    practice = current_practice_or_none()
    if practice is None:
        raise NoPracticeSelected("no practice selected for this request, command or job")
    return practice


def current_engine() -> Engine:
    """The engine of the selected practice."""
    return practice_engines().get(current_practice().slug)


def select_practice(practice: PracticeRef) -> None:
    """Make practice the one the rest of this request works in."""
    g.koers_practice = practice


@contextmanager
def use_practice(practice: PracticeRef) -> Iterator[PracticeRef]:
    """Work in practice for the block; the session is renewed on entry and exit."""
    # The identity map is keyed by primary key, and ids repeat across practices:
    # a session must never carry objects of one practice into another.
    db.session.remove()
    previous = current_practice_or_none()
    g.koers_practice = practice
    try:
        yield practice
    finally:
        db.session.remove()
        g.koers_practice = previous
