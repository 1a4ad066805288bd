"""Who may see a client's dossier: decided here, and only here."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, exists, select

from app.accounts.models import CoachAssignment, Role, User
from app.extensions import db
from app.settings.services import practice_settings


def can_view_client(viewer: User, client: User) -> bool:
    """True when viewer may see client's dossier.

    The client themself, and coaches assigned to them (any coach when the practice
    shares caseloads). Practice admins manage people but do not read dossiers.
    """
    if client.role != Role.CLIENT or not viewer.is_authenticated:
        return False
    if viewer.role == Role.CLIENT:
        return viewer.id == client.id
    if viewer.role != Role.COACH:
        return False
    if practice_settings().shared_caseloads:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(CoachAssignment.coach_id == viewer.id, CoachAssignment.client_id == client.id)
            )
        )
    )


def get_client_or_404(client_id: int) -> User:
    """The client with this id if the signed-in person may see them; 404 for anything else."""
    client = db.session.get(User, client_id)
    if client is None or not can_view_client(current_user, client):
        abort(404)
    return client


def visible_clients(viewer: User) -> Select[tuple[User]]:
    """A query of the clients viewer may see (nothing for practice admins)."""
    query = select(User).where(User.role == Role.CLIENT)
    if viewer.role == Role.CLIENT:
        return query.where(User.id == viewer.id)
    if viewer.role != Role.COACH:
        return query.where(False)
    if practice_settings().shared_caseloads:
        return query
    return query.where(
        exists().where(CoachAssignment.coach_id == viewer.id, CoachAssignment.client_id == User.id)
    )
