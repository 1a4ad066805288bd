"""The practice's privacy settings (one row) and its register of processors.

Both are what the practice tells the world on its public privacy page: business details,
not special personal data, so they are stored in plain columns.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.privacy.periods import DOSSIER_RETENTION_DEFAULT_MONTHS
from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow

NAME_MAX = 200
ADDRESS_MAX = 500
EMAIL_MAX = 254
PHONE_MAX = 40
COC_MAX = 20
PURPOSE_MAX = 500
LOCATION_MAX = 200
NOTE_MAX = 1000


class PrivacySettings(PracticeModel):
    """Who is responsible for the practice's data and how long dossiers are kept; the migration creates row 1."""

    __tablename__ = "privacy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The responsible party ("verwerkingsverantwoordelijke") as the practice presents itself.
    legal_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    coc_number: Mapped[str | None] = mapped_column(String(COC_MAX))  # Chamber of Commerce (KvK), optional
    contact_email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    officer_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    officer_email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    officer_phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    # How long a client's dossier is kept after their programme ends (a later job enforces it).
    dossier_retention_months: Mapped[int] = mapped_column(default=DOSSIER_RETENTION_DEFAULT_MONTHS)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Processor(PracticeModel):
    """A company that processes the practice's personal data on its behalf, under an agreement."""

    __tablename__ = "processors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    purpose: Mapped[str] = mapped_column(String(PURPOSE_MAX))
    location: Mapped[str | None] = mapped_column(String(LOCATION_MAX))  # where the data is processed
    agreement_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
