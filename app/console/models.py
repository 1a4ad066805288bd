"""Platform models of the console: operators, their sessions, the console's audit log, subscriptions."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import DDL, JSON, Date, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

# The cookie id of an operator's session starts with this reserved slug: no practice can have it.
OPERATOR_COOKIE_PREFIX = "platform"


class Operator(UserMixin, db.Model):
    """Someone who runs this installation ("beheerder"): sees practices and subscriptions, never client data."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Set when the operator is loaded for a request: the cookie's session secret (not a column).
    session_secret = None
    # Operators have no practice role; the practice menu and role checks see nothing.
    role = None
    locale = None

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the reserved prefix and the session secret."""
        return f"{OPERATOR_COOKIE_PREFIX}:{self.session_secret}"


class OperatorSession(db.Model):
    """A signed-in console session, so it can be ended from the server."""

    __tablename__ = "operator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))


class ConsoleEvent(db.Model):
    """One thing done in the console: who, what, on which object; ids only, never personal data."""

    __tablename__ = "console_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    detail: Mapped[dict | None] = mapped_column(JSON)


CONSOLE_EVENT_TRIGGERS = (
    "CREATE TRIGGER console_events_no_update BEFORE UPDATE ON console_events "
    "BEGIN SELECT RAISE(ABORT, 'console events are append-only'); END",
    "CREATE TRIGGER console_events_no_delete BEFORE DELETE ON console_events "
    "BEGIN SELECT RAISE(ABORT, 'console events are append-only'); END",
)
for _statement in CONSOLE_EVENT_TRIGGERS:
    event.listen(ConsoleEvent.__table__, "after_create", DDL(_statement))


class Subscription(db.Model):
    """A practice's subscription ("abonnement"): plan, price, start and (once known) end."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    plan: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int] = mapped_column()
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
