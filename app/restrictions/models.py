"""Restriction ("beperking") of a client's dossier: it stays readable for the client's coaches,
but accepts no new special data and no e-mail goes out about it until the practice admin lifts it.
"""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText

NOTE_MAX_LENGTH = 2_000


class RestrictionReason:
    """Why a dossier is restricted."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    REQUEST = "request"
    OBJECTION = "objection"
    ALL = (CONSENT_WITHDRAWN, REQUEST, OBJECTION)
    # The reason in words, as the coaches and the practice admin read it.
    LABELS: ClassVar[dict[str, str]] = {
        CONSENT_WITHDRAWN: _l("the client withdrew their consent"),
        REQUEST: _l("the client asked for the processing of their data to be restricted"),
        OBJECTION: _l("the client objected to the processing of their data"),
    }
    # The same reason as the client reads it about themself.
    OWN_LABELS: ClassVar[dict[str, str]] = {
        CONSENT_WITHDRAWN: _l("you withdrew your consent"),
        REQUEST: _l("you asked for the processing of your data to be restricted"),
        OBJECTION: _l("you objected to the processing of your data"),
    }

    @classmethod
    def label(cls, reason: str, own: bool = False) -> str:
        labels = cls.OWN_LABELS if own else cls.LABELS
        return str(labels.get(reason, reason))


class Restriction(PracticeModel):
    """A period in which a client's dossier is restricted; active while lifted_at is empty."""

    __tablename__ = "restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why it was lifted, in the admin's words: may say something about the client, so encrypted.
    lift_note: Mapped[str | None] = mapped_column(EncryptedText("restrictions.lift_note"))

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def reason_label(self) -> str:
        return RestrictionReason.label(self.reason)

    @property
    def own_reason_label(self) -> str:
        return RestrictionReason.label(self.reason, own=True)
