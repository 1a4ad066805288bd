"""The client's journal ("introspectie"): private reflections, shared with the coach one by one."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText


class JournalEntry(PracticeModel):
    """One journal entry; shared with the client's coaches while shared_at is set."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(EncryptedText("journal_entries.text"))
    # The mood (1-5) says as much about a person as the text: encrypted as well, kept as "1".."5".
    mood_value: Mapped[str | None] = mapped_column("mood", EncryptedText("journal_entries.mood"))
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def mood(self) -> int | None:
        return int(self.mood_value) if self.mood_value else None

    @mood.setter
    def mood(self, value: int | None) -> None:
        self.mood_value = str(value) if value else None

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None
