"""The practice's dossier retention policy and the one-time extensions coaches give.

The policy (one row, made by the migration) holds the legal cap the practice sets for the
retention period and what happens at the due date (erase or anonymise); the period itself
is privacy_settings.dossier_retention_months. An extension moves one client's due date
once; its reason is the coach's words about the client, so it is encrypted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.privacy.periods import DOSSIER_RETENTION_MAX_MONTHS
from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText

DEFAULT_CAP_MONTHS = 120
MAX_CAP_MONTHS = DOSSIER_RETENTION_MAX_MONTHS  # a cap above what a practice may keep means nothing
EXTENSION_MONTHS = (3, 6, 12, 24)
EXTENSION_MAX_MONTHS = 24
REASON_MAX = 1000


class OnExpiry:
    """What the job does with a dossier at its due date."""

    ERASE = "erase"
    ANONYMISE = "anonymise"
    ALL = (ERASE, ANONYMISE)


class DossierPolicy(PracticeModel):
    """The practice's retention cap and what happens at the due date; the migration creates row 1."""

    __tablename__ = "dossier_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    retention_cap_months: Mapped[int] = mapped_column(default=DEFAULT_CAP_MONTHS)
    on_expiry: Mapped[str] = mapped_column(String(20), default=OnExpiry.ERASE)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DossierExtension(PracticeModel):
    """A client's dossier kept longer than the policy says, once, for a reason."""

    __tablename__ = "dossier_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(EncryptedText("dossier_extensions.reason"))
    months: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
