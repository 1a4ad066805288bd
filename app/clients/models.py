"""What the dossier keeps about a client beyond their account ("cliëntdossier")."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class ClientProfile(PracticeModel):
    """Optional dossier facts of a client; both are special personal data, encrypted."""

    __tablename__ = "client_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # ISO date text, encrypted like everything else in the dossier.
    date_of_birth: Mapped[str | None] = mapped_column(EncryptedText("client_profiles.date_of_birth"))
    # Who referred or pays for the programme (e.g. employer, UWV), in the coach's words.
    referral_notes: Mapped[str | None] = mapped_column(EncryptedText("client_profiles.referral_notes"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def birth_date(self) -> date | None:
        """The date of birth as a date."""
        return date.fromisoformat(self.date_of_birth) if self.date_of_birth else None
