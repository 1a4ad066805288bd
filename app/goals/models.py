"""Goals ("doelen") a client and their coach keep for the client.

Title and description are special personal data: both encrypted at rest, audited on
every read and change. A goal may later belong to a programme (programme_id, no foreign
key until the programmes table settles) and be linked to exercises (goal_exercises).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5_000


class GoalStatus:
    """Where a goal stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    DROPPED = "dropped"
    ALL = (OPEN, IN_PROGRESS, REACHED, DROPPED)
    ACTIVE = (OPEN, IN_PROGRESS)
    LABELS: ClassVar[dict[str, str]] = {
        OPEN: _l("Open"),
        IN_PROGRESS: _l("In progress"),
        REACHED: _l("Reached"),
        DROPPED: _l("Dropped"),
    }


class Goal(PracticeModel):
    """A goal of a client."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The programme ("traject") the goal belongs to; a foreign key follows with that feature.
    programme_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(EncryptedText("goals.title"))
    description: Mapped[str | None] = mapped_column(EncryptedText("goals.description"))
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.OPEN)
    target_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def status_label(self) -> str:
        return str(GoalStatus.LABELS.get(self.status, self.status))


class GoalExercise(PracticeModel):
    """An exercise that works towards a goal."""

    __tablename__ = "goal_exercises"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True, index=True)
