"""Dangerous actions ask for the password again when it was not entered in the last minutes."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import User, UserSession
from app.audit.services import audit
from app.extensions import db
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.vault.tokens import digest
from app.web.navigation import safe_next

F = TypeVar("F", bound=Callable[..., Any])


def _current_session(user: User) -> UserSession | None:
    if not user.session_secret:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == digest(user.session_secret)))


def password_is_recent(user: User) -> bool:
    """Whether the password was entered in this session within REAUTH_MINUTES."""
    session = _current_session(user)
    if session is None or session.password_verified_at is None:
        return False
    return utcnow() - session.password_verified_at <= timedelta(minutes=current_app.config["REAUTH_MINUTES"])


def mark_password_verified(user: User) -> None:
    """Remember that the password was just entered in this session (commits)."""
    session = _current_session(user)
    if session is not None:
        session.password_verified_at = utcnow()
    audit("password.confirmed", "user", user.id, actor=user)
    db.session.commit()


def recent_password_required(view: F) -> F:
    """Send the person to confirm their password first (and back here after) unless it is recent.

    Put it below the role decorator, so foreign and unknown ids still answer 403/404 first.
    A POST is not carried over: the person comes back to the page and does the action again.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if password_is_recent(current_user):
            return view(*args, **kwargs)
        prefix = f"/{current_practice().slug}/"
        if request.method == "GET":
            back = request.full_path.rstrip("?")
        else:
            back = safe_next(request.referrer and _path_of(request.referrer), prefix) or request.path
        return redirect(url_for("practice.accounts.confirm_password", next=safe_next(back, prefix) or prefix), 303)

    return wrapped  # type: ignore[return-value]


def _path_of(url: str) -> str | None:
    """The path (and query) of a same-site URL, or None for another host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
