"""A person's own sign-in sessions: readable device labels, approximate addresses, ending them."""
from __future__ import annotations

import ipaddress
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User, UserSession
from app.audit.services import audit
from app.extensions import db
from app.timeutil import utcnow
from app.vault.tokens import digest

_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str | None:
    """A short readable label such as "Firefox on Android" (translated), or None when nothing is recognised."""
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if re.search(rf"\b{re.escape(token)}\b", agent)), None)
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system


def approximate_address(address: str | None) -> str | None:
    """Only the network's start: "192.168.x.x" for IPv4, the first two groups for IPv6."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    if parsed.version == 4:
        first, second, *_ = str(parsed).split(".")
        return f"{first}.{second}.x.x"
    groups = parsed.exploded.split(":")
    return f"{groups[0]}:{groups[1]}::"


def live_sessions(user: User) -> list[UserSession]:
    """The person's sessions that have not ended, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def is_current(user: User, session: UserSession) -> bool:
    """Whether session is the one this request came with."""
    return bool(user.session_secret) and session.token_hash == digest(user.session_secret)


def own_live_session_or_none(user: User, session_id: int) -> UserSession | None:
    """The person's own live session with this id; None for anyone else's, ended or unknown ones."""
    session = db.session.get(UserSession, session_id)
    if session is None or session.user_id != user.id or session.ended_at is not None:
        return None
    return session


def end_own_session(user: User, session: UserSession) -> None:
    """End one of the person's sessions from the sessions page (commits)."""
    session.ended_at = utcnow()
    session.end_reason = "ended_by_user"
    audit("session.ended", "user", user.id, actor=user, detail={"session_id": session.id})
    db.session.commit()


def end_other_sessions(user: User) -> int:
    """End every live session of the person but this one (commits); returns how many ended."""
    others = [s for s in live_sessions(user) if not is_current(user, s)]
    now = utcnow()
    for session in others:
        session.ended_at = now
        session.end_reason = "ended_by_user"
    audit("session.ended_others", "user", user.id, actor=user, detail={"count": len(others)})
    db.session.commit()
    return len(others)
