"""Exercises ("opdrachten"): forms coaches build, versions of them, and clients' answers.

An exercise is practice content (its title, instructions and questions are not personal
data). What a client writes in one, and the feedback a coach gives on it, is special
personal data: encrypted at rest and audited on every read and change.

Answers belong to the version of an exercise that was assigned, so editing an exercise
that already has answers makes a new version and the old answers keep their questions.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class QuestionKind:
    """The kinds of question the form builder offers."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SCALE = "scale"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    DATE = "date"
    RANKING = "ranking"
    ALL = (SHORT_TEXT, LONG_TEXT, SCALE, SINGLE_CHOICE, MULTIPLE_CHOICE, DATE, RANKING)
    WITH_OPTIONS = (SINGLE_CHOICE, MULTIPLE_CHOICE, RANKING)


class AssignmentStatus:
    """Where an assignment stands: the client is working on it, handed it in, or got feedback."""

    OPEN = "open"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    ALL = (OPEN, SUBMITTED, REVIEWED)


class Exercise(PracticeModel):
    """An exercise ("opdracht") in the practice's library, shared by all its coaches."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The title of the newest version, kept here for lists; each version keeps its own.
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Archived exercises leave the library but keep their versions for existing answers.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExerciseVersion(PracticeModel):
    """One version of an exercise: frozen once a client has answered it."""

    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Plain text, shown with its line breaks (never as HTML).
    instructions: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exercise: Mapped[Exercise] = relationship(lazy="joined")


class Question(PracticeModel):
    """A question of a version; config holds what its kind needs (scale range, options)."""

    __tablename__ = "exercise_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    # scale: {"min", "max", "min_label", "max_label"}; choices and ranking: {"options": [...]}.
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Assignment(PracticeModel):
    """An exercise version given to a client, with their progress and the coach's overall feedback."""

    __tablename__ = "exercise_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    overall_feedback: Mapped[str | None] = mapped_column(EncryptedText("exercise_assignments.overall_feedback"))

    version: Mapped[ExerciseVersion] = relationship(lazy="joined")
    client: Mapped[User] = relationship(foreign_keys=[client_id])

    @property
    def title(self) -> str:
        """The title of the version the client was given."""
        return self.version.title


class Answer(PracticeModel):
    """A client's answer to one question, with the coach's feedback on it.

    `revision` counts saves: a save names the revision it started from, so a save from a
    stale window is noticed instead of silently overwriting (see services.save_answer).
    """

    __tablename__ = "exercise_answers"
    __table_args__ = (UniqueConstraint("assignment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("exercise_assignments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("exercise_questions.id", ondelete="CASCADE"), index=True)
    # JSON of the answer (text, number, list of options, ISO date), encrypted.
    value: Mapped[str | None] = mapped_column(EncryptedText("exercise_answers.value"))
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    feedback: Mapped[str | None] = mapped_column(EncryptedText("exercise_answers.feedback"))
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
