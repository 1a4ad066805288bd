"""Consent ("toestemming"): versioned consent texts per practice, each person's consents, marketing opt-ins.

Consent texts are practice content, not personal data: stored as Markdown in both languages.
A consent record says who consented to which version, when and how (web, paper, e-mail), and
when and how it was withdrawn. Withdrawing never deletes the record: the history is the proof.
"""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow

BODY_MAX_LENGTH = 50_000


class ConsentHow:
    """How a consent or its withdrawal reached the practice."""

    WEB = "web"
    PAPER = "paper"
    EMAIL = "email"
    ALL = (WEB, PAPER, EMAIL)
    # What a practice admin records on someone's behalf.
    RECEIVED = (PAPER, EMAIL)
    LABELS: ClassVar[dict[str, str]] = {
        WEB: _l("online, in Koers"),
        PAPER: _l("on paper"),
        EMAIL: _l("by e-mail"),
    }

    @classmethod
    def label(cls, how: str | None) -> str:
        return str(cls.LABELS.get(how or "", how or ""))


class ConsentVersion(PracticeModel):
    """One published version of the practice's consent text; the newest is the one asked for."""

    __tablename__ = "consent_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    body_nl: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for version 1 made by Koers itself from the product's default text.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def body_for(self, locale: str | None) -> str:
        """The text in locale, falling back to the other language when that one is empty."""
        first, second = (self.body_en, self.body_nl) if locale == "en" else (self.body_nl, self.body_en)
        return first if (first or "").strip() else second


class Consent(PracticeModel):
    """A person's consent to one version of the text, and its withdrawal."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_versions.id"), index=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_how: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_how: Mapped[str | None] = mapped_column(String(20))
    withdrawn_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def given_how_label(self) -> str:
        return ConsentHow.label(self.given_how)

    @property
    def withdrawn_how_label(self) -> str:
        return ConsentHow.label(self.withdrawn_how)


class MarketingOptIn(PracticeModel):
    """A period in which a practice admin or coach wanted news and offers by e-mail (history kept)."""

    __tablename__ = "marketing_opt_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
