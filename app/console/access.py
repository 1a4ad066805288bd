"""Who may open console pages: signed-in operators only; practice people never count as operators."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, session, url_for
from flask_login import current_user

from app.console.models import OPERATOR_COOKIE_PREFIX, Operator
from app.tenancy.context import current_practice_or_none

F = TypeVar("F", bound=Callable[..., Any])


def in_console() -> bool:
    """True while serving a console page (the console blueprint or one nested in it)."""
    return "console" in request.blueprints and current_practice_or_none() is None


def load_operator(secret: str) -> Operator | None:
    """The operator of a console session; outside the console an operator's cookie opens nothing."""
    from app.console.operators import operator_for_session

    if not secret or not in_console():
        return None
    return operator_for_session(secret)


def current_operator() -> Operator | None:
    """The signed-in operator of this console request, or None."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    return user if isinstance(user, Operator) else None


def signed_in_to_a_practice() -> bool:
    """True when this browser's session belongs to a practice person (not an operator)."""
    cookie_id = session.get("_user_id") or ""
    return bool(cookie_id) and not cookie_id.startswith(f"{OPERATOR_COOKIE_PREFIX}:")


def operator_required(view: F) -> F:
    """Let signed-in operators in; anonymous visitors go to the console sign-in, practice people get 404."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_operator() is None:
            if signed_in_to_a_practice():
                abort(404)
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("console.login", next=target))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
