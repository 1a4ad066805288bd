"""New people never get the id of someone erased: the audit log still names that id."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from app.accounts.models import User

# SQLite gives a new row the largest id + 1, so erasing the newest person would hand their
# id, and with it their audit events (actor_id, subject_id), to the next person created.
_HIGHEST_ID_EVER = text(
    "SELECT max(coalesce((SELECT max(id) FROM users), 0),"
    " coalesce((SELECT max(subject_id) FROM audit_events), 0),"
    " coalesce((SELECT max(actor_id) FROM audit_events), 0))"
)


def next_person_id(connection: Connection) -> int:
    """An id no person of this practice has had, as far as the users table and audit log know."""
    return int(connection.execute(_HIGHEST_ID_EVER).scalar_one()) + 1


@event.listens_for(User, "before_insert")
def _fresh_id(_mapper: Any, connection: Connection, user: User) -> None:
    if user.id is None:
        user.id = next_person_id(connection)
