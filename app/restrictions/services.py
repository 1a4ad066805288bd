"""Restricting a client's dossier and lifting the restriction; both audited.

While a restriction is active the dossier stays readable for the client's coaches, but the
guard (app/restrictions/guard.py) refuses new special data for it, notify() sends no e-mail
about it, and the pages say why. Only a practice admin lifts it, with a note.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from app.accounts.models import Role, User
from app.audit.services import audit
from app.extensions import db
from app.restrictions.models import NOTE_MAX_LENGTH, Restriction, RestrictionReason
from app.timeutil import utcnow

__all__ = [
    "DossierRestricted",
    "Restriction",
    "RestrictionError",
    "RestrictionReason",
    "active_restriction",
    "active_restrictions",
    "is_restricted",
    "lift",
    "restrict",
    "restricted_client_ids",
    "restrictions_of",
]


class RestrictionError(ValueError):
    """A restriction could not be started or lifted as asked (the message says why, translated)."""


class DossierRestricted(RuntimeError):
    """New special data for a restricted client's dossier was refused (raised by the guard)."""

    def __init__(self, client_id: int, reason: str) -> None:
        super().__init__(f"the dossier of client {client_id} is restricted ({reason})")
        self.client_id = client_id
        self.reason = reason


def active_restriction(client: User) -> Restriction | None:
    """The client's restriction in force, or None."""
    return db.session.scalar(
        select(Restriction)
        .where(Restriction.client_id == client.id, Restriction.lifted_at.is_(None))
        .order_by(Restriction.id.desc())
        .limit(1)
    )


def is_restricted(client: User | None) -> bool:
    """True when client's dossier is restricted (False for no one and for people who are not clients)."""
    if client is None or client.role != Role.CLIENT:
        return False
    return active_restriction(client) is not None


def restricted_client_ids() -> dict[int, str]:
    """Every restricted client's id with the reason, in one query."""
    rows = db.session.execute(
        select(Restriction.client_id, Restriction.reason).where(Restriction.lifted_at.is_(None))
    )
    return {client_id: reason for client_id, reason in rows}


def restrictions_of(client: User) -> list[Restriction]:
    """Every restriction the client's dossier had, newest first."""
    return list(
        db.session.scalars(
            select(Restriction).where(Restriction.client_id == client.id).order_by(Restriction.id.desc())
        )
    )


def active_restrictions() -> list[Restriction]:
    """The restrictions in force in the practice, oldest first."""
    return list(
        db.session.scalars(
            select(Restriction).where(Restriction.lifted_at.is_(None)).order_by(Restriction.started_at, Restriction.id)
        )
    )


def _forget_cached() -> None:
    if has_request_context():
        g.pop("koers_own_restriction", None)


def restrict(client: User, reason: str, actor: User | None) -> Restriction:
    """Restrict client's dossier from now on; an active restriction is returned as it is (commit after)."""
    if client.role != Role.CLIENT:
        raise ValueError("only a client's dossier can be restricted")
    if reason not in RestrictionReason.ALL:
        raise ValueError(f"unknown restriction reason {reason!r}")
    current = active_restriction(client)
    if current is not None:
        return current
    restriction = Restriction(
        client_id=client.id, reason=reason, started_at=utcnow(), started_by_id=actor.id if actor else None
    )
    db.session.add(restriction)
    db.session.flush()
    audit(
        "restriction.started", "restriction", restriction.id, actor=actor,
        detail={"client_id": client.id, "reason": reason}, subject_id=client.id,
    )
    _forget_cached()
    return restriction


def lift(client: User, actor: User, note: str, *, reason: str | None = None) -> None:
    """Lift client's restriction with a note saying why (audited; commit after).

    With `reason`, only a restriction for that reason is lifted (another one stays in force).
    """
    from flask_babel import gettext as _

    note = (note or "").strip()
    if not note:
        raise RestrictionError(_("Write down why the restriction is lifted."))
    if len(note) > NOTE_MAX_LENGTH:
        raise RestrictionError(_("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH))
    current = active_restriction(client)
    if current is None:
        raise RestrictionError(_("This client's dossier is not restricted."))
    if reason is not None and current.reason != reason:
        return
    current.lifted_at = utcnow()
    current.lifted_by_id = actor.id if actor else None
    current.lift_note = note
    db.session.flush()
    audit(
        "restriction.lifted", "restriction", current.id, actor=actor,
        detail={"client_id": client.id, "reason": current.reason}, subject_id=client.id,
    )
    _forget_cached()
