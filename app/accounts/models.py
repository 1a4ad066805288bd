"""People of a practice, their sign-in sessions and their one-time links."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class Role:
    """What a person may do in a practice."""

    PRACTICE_ADMIN = "practice_admin"
    COACH = "coach"
    CLIENT = "client"
    ALL = (PRACTICE_ADMIN, COACH, CLIENT)


class User(UserMixin, PracticeModel):
    """A practice admin, coach ("begeleider") or client ("cliënt") of one practice."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(EncryptedText("users.phone"))
    address: Mapped[str | None] = mapped_column(EncryptedText("users.address"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether notifications also arrive by e-mail (they always appear in the app).
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default="1")

    # Set when the user is loaded for a request: the cookie's session secret (not a column).
    session_secret = None

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the practice and the session secret."""
        # Imported here to keep models free of request context at import time.
        from app.tenancy.context import current_practice

        return f"{current_practice().slug}:{self.session_secret}"


class CoachAssignment(PracticeModel):
    """A coach who guides a client."""

    __tablename__ = "coach_assignments"
    __table_args__ = (UniqueConstraint("coach_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenPurpose:
    """What a one-time link is for."""

    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(PracticeModel):
    """A single-use, expiring link (invitation or password reset); only its hash is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class UserSession(PracticeModel):
    """A signed-in browser session, so sessions can be ended from the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # Approximate only: the first two parts of the network address ("192.168.x.x").
    address: Mapped[str | None] = mapped_column(String(45))
    # When the password was last entered in this session (sign-in or confirmation).
    password_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInAttempt(PracticeModel):
    """One sign-in, invitation-link or reset-link attempt, for throttling; holds no address."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Keyed hashes (app/accounts/throttle.py): never the e-mail or network address itself.
    account_key: Mapped[str | None] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    success: Mapped[bool] = mapped_column()


# Registers the listener that keeps erased people's ids out of use.
from app.accounts import ids as _ids  # noqa: E402,F401
