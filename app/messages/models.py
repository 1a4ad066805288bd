"""Messages ("berichten"): one conversation per client, between the client and their coaches.

A message's text is special personal data: encrypted at rest, audited on every read.
Read state is kept per person and per thread as the id of the newest message they saw,
which makes an unread count a single comparison instead of a row per message and reader.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedText

BODY_MAX_LENGTH = 10_000


class Message(PracticeModel):
    """One message in the thread of a client (client_id names the thread)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Kept when the author's account is removed later; the message then shows a neutral name.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(EncryptedText("messages.body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThreadRead(PracticeModel):
    """How far one person has read the thread of one client."""

    __tablename__ = "message_thread_reads"
    __table_args__ = (UniqueConstraint("client_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Not a foreign key: the pointer stays meaningful as a position if a message is removed.
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
