"""Flask-Login wiring: a cookie opens a session only in the practice it was made in."""
from __future__ import annotations

from flask_babel import gettext
from flask_login import LoginManager

from app.accounts.models import User
from app.console.models import OPERATOR_COOKIE_PREFIX
from app.tenancy.context import current_practice_or_none
from app.web.i18n import mark


def load_user(cookie_id: str) -> User | None:
    """The user of the cookie's session, if it belongs to the practice of this request.

    An operator's cookie ("platform:<secret>", a reserved slug) opens console pages only.
    """
    from app.accounts.services import user_for_session
    from app.console.access import load_operator

    slug, _, secret = cookie_id.partition(":")
    if slug == OPERATOR_COOKIE_PREFIX:
        return load_operator(secret)
    practice = current_practice_or_none()
    if practice is None or slug != practice.slug or not secret:
        return None
    return user_for_session(secret)


def init_login(manager: LoginManager) -> None:
    """Configure the login manager for practice-scoped, server-side sessions."""
    manager.user_loader(load_user)
    manager.login_view = "practice.accounts.login"
    manager.login_message = mark("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.localize_callback = gettext
    # "strong" would drop the session when a phone switches networks; server-side
    # sessions and their revocation carry the weight instead.
    manager.session_protection = "basic"
