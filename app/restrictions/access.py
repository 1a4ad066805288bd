"""Which client a practice admin may manage consent and restrictions for: decided here."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.accounts.models import Role, User
from app.extensions import db

_LARGEST_ID = 2**63 - 1


def managed_client_or_404(client_id: int) -> User:
    """The client with this id, for the practice admin; 404 for unknown ids, non-clients and other roles."""
    if current_user.role != Role.PRACTICE_ADMIN or not 0 < client_id <= _LARGEST_ID:
        abort(404)
    client = db.session.get(User, client_id)
    if client is None or client.role != Role.CLIENT:
        abort(404)
    return client
