"""Documents in a client's dossier (CV, certificates, reports), stored encrypted in the practice file."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow
from app.vault.fields import EncryptedBytes, EncryptedText


class Document(PracticeModel):
    """An uploaded file: its content and original name encrypted, its detected type and size plain."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(EncryptedText("documents.filename"))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Deferred: lists of documents never load (and decrypt) the content.
    content: Mapped[bytes] = mapped_column(EncryptedBytes("documents.content"), deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
