"""The erasure register (platform store): which clients and practices were erased, and when.

Kept outside the practice files, so a restore of an older backup can erase them again.
Ids and dates only: never a name or any other personal data.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class ErasureKind:
    """What was erased: one client of a practice, or a whole practice."""

    CLIENT = "client"
    PRACTICE = "practice"
    ALL = (CLIENT, PRACTICE)


class ErasureRecord(db.Model):
    """One erasure: practice slug, kind, the client's user id (None for a practice), and when."""

    __tablename__ = "erasure_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_slug: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
