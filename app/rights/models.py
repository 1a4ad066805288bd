"""Data-subject requests ("verzoeken"): what a person asked, how their identity was checked, where it stands.

The person's own words (note), how their identity was confirmed and the reason of a refusal
are personal data: encrypted at rest. A request outlives the person it is about: erasing a
client keeps their handled requests as proof (person_id becomes NULL, the texts are cleared).
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

NOTE_MAX_LENGTH = 5_000
METHOD_MAX_LENGTH = 300
REASON_MAX_LENGTH = 5_000
# Two weeks to answer, counted from the day the request was received.
ANSWER_DAYS = 14


class RequestKind:
    """Which right a person uses."""

    ACCESS = "access"
    EXPORT = "export"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    WITHDRAWAL = "withdrawal"
    ALL = (ACCESS, EXPORT, RECTIFICATION, ERASURE, RESTRICTION, OBJECTION, WITHDRAWAL)
    # Kinds that stop the processing of a client's dossier as soon as they are asked.
    RESTRICTING = (RESTRICTION, OBJECTION)
    LABELS: ClassVar[dict[str, str]] = {
        ACCESS: _l("Access to my data"),
        EXPORT: _l("A copy of my data (export)"),
        RECTIFICATION: _l("Correction of my data"),
        ERASURE: _l("Erasure of my data"),
        RESTRICTION: _l("Restriction of processing"),
        OBJECTION: _l("Objection to processing"),
        WITHDRAWAL: _l("Withdrawal of consent"),
    }
    # What each right means, in plain words, for the person choosing.
    EXPLANATIONS: ClassVar[dict[str, str]] = {
        ACCESS: _l("You want to know which data the practice keeps about you, why, and who has seen it."),
        EXPORT: _l("You want all your data in a file you can keep or take to another practice."),
        RECTIFICATION: _l("Something about you is wrong or incomplete and you want it corrected."),
        ERASURE: _l("You want the practice to delete your data and your account."),
        RESTRICTION: _l("You want the practice to stop using your data for now, for example while something is being checked. Your dossier is paused at once."),
        OBJECTION: _l("You object to the way the practice uses your data. Your dossier is paused at once while the practice looks at your objection."),
        WITHDRAWAL: _l("You no longer agree that the practice keeps and uses your special personal data."),
    }


class RequestChannel:
    """How a request reached the practice."""

    WEB = "web"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    ALL = (WEB, EMAIL, LETTER, PHONE)
    # What a practice admin registers by hand.
    OFFLINE = (EMAIL, LETTER, PHONE)
    LABELS: ClassVar[dict[str, str]] = {
        WEB: _l("Online, by the person"),
        EMAIL: _l("E-mail"),
        LETTER: _l("Letter"),
        PHONE: _l("Phone"),
    }


class RequestStatus:
    """Where a request stands: received, identity confirmed, in progress, then done or refused."""

    RECEIVED = "received"
    IDENTITY_CONFIRMED = "identity_confirmed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REFUSED = "refused"
    ALL = (RECEIVED, IDENTITY_CONFIRMED, IN_PROGRESS, DONE, REFUSED)
    OPEN = (RECEIVED, IDENTITY_CONFIRMED, IN_PROGRESS)
    CLOSED = (DONE, REFUSED)
    LABELS: ClassVar[dict[str, str]] = {
        RECEIVED: _l("Received"),
        IDENTITY_CONFIRMED: _l("Identity confirmed"),
        IN_PROGRESS: _l("In progress"),
        DONE: _l("Done"),
        REFUSED: _l("Refused"),
    }


class DataRequest(PracticeModel):
    """A data-subject request of one person of the practice."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the person is erased: the handled request stays as proof, without the person.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True, default=RequestStatus.RECEIVED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date] = mapped_column(Date)
    # How identity was confirmed ("ID document shown", ...); checked_by NULL with a time: by the system.
    identity_method: Mapped[str | None] = mapped_column(EncryptedText("data_requests.identity_method"))
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's own words.
    note: Mapped[str | None] = mapped_column(EncryptedText("data_requests.note"))
    # Shown to the person.
    refusal_reason: Mapped[str | None] = mapped_column(EncryptedText("data_requests.refusal_reason"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status in RequestStatus.OPEN

    @property
    def kind_label(self) -> str:
        return str(RequestKind.LABELS.get(self.kind, self.kind))

    @property
    def channel_label(self) -> str:
        return str(RequestChannel.LABELS.get(self.channel, self.channel))

    @property
    def status_label(self) -> str:
        return str(RequestStatus.LABELS.get(self.status, self.status))

    def is_overdue(self, today: date) -> bool:
        """True for an open request whose answer date has passed."""
        return self.is_open and self.due_on < today
