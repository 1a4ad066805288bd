"""The append-only, hash-chained audit log of a practice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime
from app.vault.fields import EncryptedText


class AuditEvent(PracticeModel):
    """Who did what to which object, when and from where; ids only, never the data itself."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    origin: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    # The person the event is about (a client, mostly), for their access log; an id only.
    subject_id: Mapped[int | None] = mapped_column(index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# The database itself refuses to change or remove an audit row once written.
APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)
for _statement in APPEND_ONLY_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement))


class AuditAnchor(db.Model):
    """The newest audit event of a practice as last seen, kept in the platform store.

    A hash chain shows edited or removed rows in its middle, but not rows cut off
    at its end; the anchor, kept outside the practice file, shows those too.
    """

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_slug: Mapped[str] = mapped_column(String(40), unique=True)
    event_id: Mapped[int] = mapped_column()
    event_hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditChange(PracticeModel):
    """The before and after of one corrected field, referenced by an audit event.

    Kept apart from the event so that the chained log itself holds ids only, and so
    that erasing a person can remove these values without breaking the chain.
    """

    __tablename__ = "audit_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    before: Mapped[str | None] = mapped_column(EncryptedText("audit_changes.before"))
    after: Mapped[str | None] = mapped_column(EncryptedText("audit_changes.after"))
