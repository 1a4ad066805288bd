"""Operator accounts and their server-side console sessions."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts.passwords import check_password, hash_password, needs_rehash, password_problem
from app.accounts.services import session_timeout
from app.console.events import console_event
from app.console.models import Operator, OperatorSession
from app.extensions import db
from app.mail.addresses import InvalidAddress, normalise_address
from app.tenancy.sqlite import writing
from app.timeutil import utcnow
from app.vault.tokens import digest, new_secret


class OperatorError(ValueError):
    """An operator account cannot be made or used as asked; the message says why."""


def operator_by_email(email: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.email == email.strip().lower()))


def list_operators() -> list[Operator]:
    return list(db.session.scalars(select(Operator).order_by(Operator.email)))


def create_operator(email: str, name: str, password: str) -> Operator:
    """Add an operator with an argon2id password hash (commits); refuses weak passwords."""
    try:
        address = normalise_address(email)
    except InvalidAddress:
        raise OperatorError(_("Enter a valid e-mail address.")) from None
    name = name.strip()
    if not name or len(name) > 200:
        raise OperatorError(_("Enter a name of at most 200 characters."))
    problem = password_problem(password, [address, name, "koers", "platform"])
    if problem:
        raise OperatorError(problem)
    with writing():
        if operator_by_email(address) is not None:
            db.session.rollback()
            raise OperatorError(_("An operator with this e-mail address already exists."))
        operator = Operator(email=address, name=name, password_hash=hash_password(password), active=True)
        db.session.add(operator)
        db.session.flush()
        console_event("operator.created", "operator", operator.id, operator=operator)
        db.session.commit()
    return operator


def authenticate(email: str, password: str) -> Operator | None:
    """The active operator these credentials belong to, or None; failures are recorded (commits)."""
    operator = operator_by_email(email) if "@" in email else None
    # Unknown addresses are checked against a dummy hash, so both fail alike and equally slowly.
    if not check_password(operator.password_hash if operator else None, password) or not operator.active:
        with writing():
            console_event("login.failed", "operator", operator.id if operator else None)
            db.session.commit()
        return None
    return operator


def start_session(operator: Operator, password: str) -> str:
    """Record a new console session for operator and return its secret (commits).

    The seam for two-factor sign-in: a later issue checks the second factor before this runs.
    """
    secret = new_secret()
    now = utcnow()
    with writing():
        operator = db.session.merge(operator)
        if needs_rehash(operator.password_hash):
            operator.password_hash = hash_password(password)
        operator.last_sign_in_at = now
        db.session.add(
            OperatorSession(operator_id=operator.id, token_hash=digest(secret), created_at=now, last_seen_at=now)
        )
        console_event("login", "operator", operator.id, operator=operator)
        db.session.commit()
    operator.session_secret = secret
    return secret


def operator_for_session(secret: str) -> Operator | None:
    """The active operator of a live console session, or None."""
    session = db.session.scalar(
        select(OperatorSession).where(OperatorSession.token_hash == digest(secret), OperatorSession.ended_at.is_(None))
    )
    if session is None:
        return None
    operator = db.session.get(Operator, session.operator_id)
    if operator is None or not operator.active:
        return None
    now = utcnow()
    # Operators count as staff: the same idle and absolute limits as practice admins.
    ended = session_timeout(
        session.created_at, session.last_seen_at, timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES_STAFF"]), now
    )
    if ended is not None:
        with writing():
            db.session.execute(
                update(OperatorSession).where(OperatorSession.id == session.id).values(ended_at=now, end_reason=ended)
            )
            db.session.commit()
        return None
    if now - session.last_seen_at > timedelta(seconds=current_app.config["SESSION_TOUCH_INTERVAL_SECONDS"]):
        with writing():
            db.session.execute(
                update(OperatorSession).where(OperatorSession.id == session.id).values(last_seen_at=now)
            )
            db.session.commit()
    operator.session_secret = secret
    return operator


def sign_out(operator: Operator) -> None:
    """End the console session the operator signs out of (commits)."""
    with writing():
        if operator.session_secret:
            db.session.execute(
                update(OperatorSession)
                .where(OperatorSession.token_hash == digest(operator.session_secret), OperatorSession.ended_at.is_(None))
                .values(ended_at=utcnow(), end_reason="logout")
            )
        console_event("logout", "operator", operator.id, operator=operator)
        db.session.commit()


def purge_ended_sessions(now: datetime | None = None) -> int:
    """Delete console sessions that ended or went unused over 30 days ago (commit after); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=30)
    return db.session.execute(
        OperatorSession.__table__.delete().where(
            (OperatorSession.ended_at < cutoff) | (OperatorSession.last_seen_at < cutoff)
        )
    ).rowcount
