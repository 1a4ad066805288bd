"""Assessments ("vragenlijsten"): instruments a practice imported, and the ones given to clients.

An imported instrument's definition is practice content, stored as its JSON file text. The
answers, scores and the coach's interpretation note are special personal data: encrypted at
rest, audited on every read and change.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class PracticeInstrument(PracticeModel):
    """One version of an instrument the practice imported (built-ins are not stored)."""

    __tablename__ = "practice_instruments"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column()
    definition: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentStatus:
    """Where an assessment stands."""

    OPEN = "open"
    SUBMITTED = "submitted"
    LABELS: ClassVar[dict[str, Any]] = {OPEN: _l("Open"), SUBMITTED: _l("Submitted")}


class Source:
    """Where an instrument comes from."""

    BUILTIN = "builtin"
    PRACTICE = "practice"


class AssessmentAssignment(PracticeModel):
    """An instrument (one version) given to a client, with their answers and scores."""

    __tablename__ = "assessment_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(10))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=AssessmentStatus.OPEN)
    answers_json: Mapped[str | None] = mapped_column("answers", EncryptedText("assessment_assignments.answers"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scores_json: Mapped[str | None] = mapped_column("scores", EncryptedText("assessment_assignments.scores"))
    note: Mapped[str | None] = mapped_column(EncryptedText("assessment_assignments.note"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def answers(self) -> dict[str, int]:
        return json.loads(self.answers_json) if self.answers_json else {}

    @answers.setter
    def answers(self, value: dict[str, int]) -> None:
        self.answers_json = json.dumps(value, sort_keys=True)

    @property
    def scores(self) -> dict[str, float]:
        return json.loads(self.scores_json) if self.scores_json else {}

    @scores.setter
    def scores(self, value: dict[str, float]) -> None:
        self.scores_json = json.dumps(value, sort_keys=True)

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.OPEN


class RaterRelation:
    """How a rater knows the client (360-degree feedback)."""

    COLLEAGUE = "colleague"
    MANAGER = "manager"
    OTHER = "other"
    LABELS: ClassVar[dict[str, Any]] = {COLLEAGUE: _l("Colleague"), MANAGER: _l("Manager"), OTHER: _l("Other")}


class AssessmentRater(PracticeModel):
    """Someone invited to rate the client on a competency instrument (360-degree feedback).

    Only a hash of the link secret is stored. Name and e-mail address are deleted (NULL)
    when the round closes; the answers stay, encrypted, for the averages.
    """

    __tablename__ = "assessment_raters"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_assignments.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(12), default=RaterRelation.OTHER)
    name: Mapped[str | None] = mapped_column(EncryptedText("assessment_raters.name"))
    email: Mapped[str | None] = mapped_column(EncryptedText("assessment_raters.email"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers_json: Mapped[str | None] = mapped_column("answers", EncryptedText("assessment_raters.answers"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def answers(self) -> dict[str, int]:
        return json.loads(self.answers_json) if self.answers_json else {}

    @answers.setter
    def answers(self, value: dict[str, int]) -> None:
        self.answers_json = json.dumps(value, sort_keys=True)
