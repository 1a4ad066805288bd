"""Who may open which page: one decorator for roles, one helper per object type."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from app.accounts.models import Role

F = TypeVar("F", bound=Callable[..., Any])

HOME_ENDPOINTS = {
    Role.PRACTICE_ADMIN: "practice.people.index",
    Role.COACH: "practice.home.coach",
    Role.CLIENT: "practice.home.client",
}


def home_endpoint(role: str) -> str:
    """The page a person of this role lands on after signing in."""
    return HOME_ENDPOINTS[role]


def role_required(*roles: str) -> Callable[[F], F]:
    """Let signed-in people with one of roles in; others get 403, anonymous visitors the sign-in page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
