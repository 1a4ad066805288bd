"""Models of the archive package: the background export jobs ("exports")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow


class ExportScope:
    """What an export holds: one client's data, or the whole practice."""

    CLIENT = "client"
    PRACTICE = "practice"
    ALL = (CLIENT, PRACTICE)


class ExportStatus:
    """Where an export job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ACTIVE = (QUEUED, RUNNING)


class ExportJob(PracticeModel):
    """An export prepared in the background: its progress, its temporary file and when its link expires.

    The file lives under instance/exports/<slug>/ with a random name; the row stays as a
    record after the file is downloaded or removed. It never holds personal data.
    """

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    # A random name (letters, digits, - and _) inside the practice's export folder; never personal data.
    file_name: Mapped[str | None] = mapped_column(String(80))
    # The language the index.html inside the archive is written in: the requester's at the time.
    locale: Mapped[str | None] = mapped_column(String(5))
    # The error's class only, for the operator's log: messages can carry personal data.
    error: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.status in ExportStatus.ACTIVE
