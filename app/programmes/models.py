"""Programmes ("trajecten"): the practice's templates and each client's own programme.

A template is practice content (its name, description and step texts are not personal
data). A client's programme is special personal data: the texts a coach keeps in it are
encrypted at rest, and every read and change is audited (see services).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class ProgrammeStatus:
    """Where a client's programme stands; finished and stopped record the end date."""

    INTAKE = "intake"
    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"
    ALL = (INTAKE, ACTIVE, FINISHED, STOPPED)
    ENDED = (FINISHED, STOPPED)


class StepKind:
    """What a step is: a text to read, an exercise to do, or a questionnaire (assessment) to fill in."""

    INFO = "info"
    EXERCISE = "exercise"
    ASSESSMENT = "assessment"
    ALL = (INFO, EXERCISE, ASSESSMENT)


class Unlock:
    """When a step becomes available to the client."""

    ALWAYS = "always"
    PREVIOUS = "previous"  # once the step before it is done
    DATE = "date"  # from a date (templates: a number of days after the start)
    ALL = (ALWAYS, PREVIOUS, DATE)


class ProgrammeTemplate(PracticeModel):
    """A programme template in the practice's library, shared by all its coaches."""

    __tablename__ = "programme_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Plain text, shown with its line breaks (never as HTML).
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TemplateStep(PracticeModel):
    """A step of a template: an information text or an exercise, in position order."""

    __tablename__ = "programme_template_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("programme_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    # Information steps need a title; exercise steps show the exercise's title when empty.
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # A step whose exercise is deleted from the library goes with it.
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    unlock: Mapped[str] = mapped_column(String(20), default=Unlock.ALWAYS)
    # For Unlock.DATE: days after the programme's start.
    offset_days: Mapped[int | None] = mapped_column()
    # Assessment steps: the instrument (built-in or imported id); its newest version is given.
    instrument_id: Mapped[str | None] = mapped_column(String(80))


class Programme(PracticeModel):
    """A client's programme ("traject"): its steps, dates and status."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("programme_templates.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(EncryptedText("programmes.title"))
    notes: Mapped[str | None] = mapped_column(EncryptedText("programmes.notes"))
    status: Mapped[str] = mapped_column(String(20), default=ProgrammeStatus.INTAKE)
    starts_on: Mapped[date] = mapped_column(Date)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    # Set when the programme is finished or stopped; retention counts from it.
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgrammeStep(PracticeModel):
    """A step of a client's programme; its texts are the coach's words about this client."""

    __tablename__ = "programme_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(EncryptedText("programme_steps.title"))
    body: Mapped[str | None] = mapped_column(EncryptedText("programme_steps.body"))
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id", ondelete="SET NULL"))
    # The client's assignment of the exercise, made when the step was added.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_assignments.id", ondelete="SET NULL"))
    unlock: Mapped[str] = mapped_column(String(20), default=Unlock.ALWAYS)
    unlock_on: Mapped[date | None] = mapped_column(Date)
    # When the client marked an information step as read.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Assessment steps: the instrument and the client's questionnaire, given when the step was added.
    instrument_id: Mapped[str | None] = mapped_column(String(80))
    assessment_assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_assignments.id", ondelete="SET NULL")
    )
