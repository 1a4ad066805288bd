"""Platform models of the retention package: the record of job runs, the lease that lets one
scheduler run a job at a time, and the reminders sent before a practice's special data is erased."""
from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class RunOutcome:
    """How a job run ended."""

    RUNNING = "running"  # started, not finished (or its process died: see finished_at)
    OK = "ok"
    PARTIAL = "partial"  # some practices or rules failed or were skipped, the rest were done
    FAILED = "failed"
    ALL = (RUNNING, OK, PARTIAL, FAILED)


class JobRun(db.Model):
    """One run of a scheduled job (or of `flask retention run`): when, how it ended, counts only."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(80), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10), default=RunOutcome.RUNNING)
    dry_run: Mapped[bool] = mapped_column(default=False)
    # JSON: {practice slug or "platform": {rule or kind: count or {kind: count}} or "failed: ErrorClass"}.
    counts_json: Mapped[str] = mapped_column("counts", Text, default="{}")

    @property
    def counts(self) -> dict[str, object]:
        return json.loads(self.counts_json or "{}")


class JobLease(db.Model):
    """Who runs a job right now; a second scheduler finding a live lease skips that run."""

    __tablename__ = "job_leases"

    job_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # hostname:pid:random
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderKind:
    """Reminders before a practice's special data is erased, by days before the erasure date."""

    DAYS_30 = "30_days"
    DAYS_7 = "7_days"
    DAYS: ClassVar[dict[str, int]] = {DAYS_30: 30, DAYS_7: 7}


class RetentionReminder(db.Model):
    """A reminder that was sent, so it is sent once for a given erasure date."""

    __tablename__ = "retention_reminders"
    __table_args__ = (UniqueConstraint("practice_id", "kind", "erase_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    erase_on: Mapped[str] = mapped_column(String(10))  # ISO date the reminder announced
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
