"""The console's own audit log: every change an operator makes, sign-in and sign-out too."""
from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from app.console.models import ConsoleEvent, Operator
from app.extensions import db


def _current_operator_id() -> int | None:
    if not has_request_context():
        return None
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    return user.id if isinstance(user, Operator) else None


def console_event(
    action: str,
    object_type: str,
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    *,
    operator: Operator | None = None,
) -> ConsoleEvent:
    """Record one console action (not committed: it commits with the change it describes).

    detail holds ids, codes, dates and amounts only, never a person's name or e-mail address.
    The operator is the signed-in one unless given (a command line has none).
    """
    event = ConsoleEvent(
        operator_id=operator.id if operator is not None else _current_operator_id(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or None,
    )
    db.session.add(event)
    return event
