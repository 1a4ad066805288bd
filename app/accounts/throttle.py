"""Failed-attempt throttling kept in the practice file, so every web process sees the same counts.

Per account (a keyed hash of the normalised e-mail address, never the address) and per client
address (a keyed hash of the address, never the address itself): after too many failures within
the window, further attempts are refused for an increasing time (1, 2, 4 ... minutes, capped)
without checking the password or link.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.accounts.models import SignInAttempt
from app.extensions import db
from app.timeutil import utcnow


class AttemptKind:
    """What was tried."""

    PASSWORD = "password"
    INVITATION = "invitation"
    RESET = "reset"
    ALL = (PASSWORD, INVITATION, RESET)


def _keyed(purpose: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def account_key(email: str) -> str:
    """What is stored of the address tried: a keyed hash of its normalised form."""
    return _keyed("account", (email or "").strip().lower())


def client_key(address: str | None) -> str:
    """What is stored of the client's network address: a keyed hash, never the address."""
    return _keyed("client", address or "unknown")


def _config(name: str) -> int:
    return int(current_app.config[name])


def _blocked_until(kind: str, column, key: str, threshold: int, now: datetime, reset_on_success: bool) -> datetime | None:
    window = timedelta(minutes=_config("THROTTLE_WINDOW_MINUTES"))
    cap = timedelta(minutes=_config("THROTTLE_MAX_DELAY_MINUTES"))
    since = now - window - cap
    query = select(SignInAttempt.at, SignInAttempt.success).where(
        SignInAttempt.kind == kind, column == key, SignInAttempt.at >= since
    ).order_by(SignInAttempt.at)
    failures: list[datetime] = []
    for at, success in db.session.execute(query):
        if success:
            if reset_on_success:
                failures = []
        else:
            failures.append(at)
    if not failures:
        return None
    last = failures[-1]
    count = sum(1 for at in failures if at >= last - window)
    if count < threshold:
        return None
    delay = min(timedelta(minutes=_config("THROTTLE_FIRST_DELAY_MINUTES")) * 2 ** (count - threshold), cap)
    until = last + delay
    return until if until > now else None


def blocked_until(kind: str, client: str | None, account: str | None = None) -> datetime | None:
    """Until when attempts of kind from this client (or for this account) are refused, or None."""
    now = utcnow()
    times = []
    if account is not None:
        times.append(_blocked_until(kind, SignInAttempt.account_key, account_key(account),
                                    _config("THROTTLE_ACCOUNT_FAILURES"), now, True))
    times.append(_blocked_until(kind, SignInAttempt.client_key, client_key(client),
                                _config("THROTTLE_ADDRESS_FAILURES"), now, False))
    times = [t for t in times if t is not None]
    return max(times) if times else None


def record(kind: str, client: str | None, success: bool, account: str | None = None) -> None:
    """Remember one attempt (commits)."""
    db.session.add(
        SignInAttempt(
            kind=kind,
            account_key=account_key(account) if account is not None else None,
            client_key=client_key(client),
            at=utcnow(),
            success=success,
        )
    )
    db.session.commit()


def purge_attempts(now: datetime | None = None) -> int:
    """Delete attempts older than a day; they no longer count for anything (commit after)."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    return db.session.execute(SignInAttempt.__table__.delete().where(SignInAttempt.at < cutoff)).rowcount
