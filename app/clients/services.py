"""Clients: creating them, listing them for a coach, correcting their details."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.audit.services import audit, audit_change
from app.clients.access import visible_clients
from app.clients.models import ClientProfile
from app.extensions import db

PAGE_SIZE = 25


def profile_of(client: User) -> ClientProfile:
    """The client's dossier facts (an empty profile if none was kept yet)."""
    return db.session.get(ClientProfile, client.id) or ClientProfile(user_id=client.id)


def create_client(actor: User, details: dict[str, Any], coach_ids: list[int]) -> User:
    """Add a client with their coaches (a coach creating one is always among them); commit after."""
    client = accounts.create_user(Role.CLIENT, details["email"], details["first_name"], details["last_name"])
    client.phone = details.get("phone") or None
    client.address = details.get("address") or None
    dob: date | None = details.get("date_of_birth")
    db.session.add(
        ClientProfile(
            user_id=client.id,
            date_of_birth=dob.isoformat() if dob else None,
            referral_notes=details.get("referral_notes") or None,
            created_by_id=actor.id,
        )
    )
    audit("client.created", "client", client.id, actor=actor)
    ids = set(coach_ids) | ({actor.id} if actor.role == Role.COACH else set())
    if not ids:
        raise accounts.AccountError(_("Choose at least one coach for a client."), field="coaches")
    for coach_id in sorted(ids):
        coach = db.session.get(User, coach_id)
        if coach is None or coach.role != Role.COACH:
            raise accounts.AccountError(_("Choose coaches from this practice."), field="coaches")
        accounts.assign_coach(coach, client)
    return client


def correct_details(actor: User, client: User, values: dict[str, Any]) -> list[str]:
    """Apply corrected details; audit before/after in the change record; returns the changed fields."""
    changes: dict[str, tuple[Any, Any]] = {}
    if "email" in values:
        new_email = accounts.normalise_email(values["email"])
        if new_email != client.email:
            other = accounts.user_by_email(new_email)
            if other is not None and other.id != client.id:
                raise accounts.AccountError(_("Someone in this practice already uses this e-mail address."), field="email")
            values = {**values, "email": new_email}
    for field in ("first_name", "last_name", "email", "phone", "address"):
        if field in values:
            new = (values[field] or "").strip() or None
            if field in ("first_name", "last_name", "email") and new is None:
                continue
            if new != getattr(client, field):
                changes[field] = (getattr(client, field), new)
                setattr(client, field, new)
    if client.role == Role.CLIENT and ("date_of_birth" in values or "referral_notes" in values):
        profile = profile_of(client)
        if profile not in db.session:
            db.session.add(profile)
        if "date_of_birth" in values:
            dob = values["date_of_birth"].isoformat() if values["date_of_birth"] else None
            if dob != profile.date_of_birth:
                changes["date_of_birth"] = (profile.date_of_birth, dob)
                profile.date_of_birth = dob
        if "referral_notes" in values:
            notes = (values["referral_notes"] or "").strip() or None
            if notes != profile.referral_notes:
                changes["referral_notes"] = (profile.referral_notes, notes)
                profile.referral_notes = notes
    if changes:
        audit_change("details.corrected", "client" if client.role == Role.CLIENT else "user", client.id, changes, actor=actor)
    return sorted(changes)


def search_clients(
    viewer: User, query: str = "", page: int = 1, where: Iterable[ColumnElement[bool]] = ()
) -> tuple[list[User], int]:
    """The clients viewer may see whose name or e-mail matches query (and the where conditions); one page, and the total."""
    statement = visible_clients(viewer).where(*where)
    words = query.strip().lower().split()
    for word in words[:5]:
        like = f"%{word}%"
        statement = statement.where(
            or_(func.lower(User.first_name).like(like), func.lower(User.last_name).like(like), User.email.like(like))
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.scalars(
        statement.order_by(User.last_name, User.first_name).limit(PAGE_SIZE).offset((_bounded(page) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total


def _bounded(page: int) -> int:
    """A page number SQLite can take: a huge one from a URL would overflow its integers."""
    return min(max(page, 1), 1_000_000)
