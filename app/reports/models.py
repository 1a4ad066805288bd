"""Session reports ("gespreksverslagen"): a coach's record of a conversation, every version kept."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class SessionKind:
    """What kind of session a report is about."""

    INTAKE = "intake"
    COACHING = "coaching"
    EVALUATION = "evaluation"
    OTHER = "other"
    ALL = (INTAKE, COACHING, EVALUATION, OTHER)


class Visibility:
    """Who besides the client's coaches may read a report."""

    PRIVATE = "private"  # the coaches of the client only
    SHARED = "shared"  # also the client
    ALL = (PRIVATE, SHARED)


class SessionReport(PracticeModel):
    """The current version of a session report ("gespreksverslag")."""

    __tablename__ = "session_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    session_date: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(EncryptedText("session_reports.text"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED


class ReportVersion(PracticeModel):
    """One saved version of a report: what it said, who saved it and when."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("session_reports.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    session_date: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(EncryptedText("report_versions.text"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
