"""In-app notices that something new happened for a person."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel
from app.timeutil import UTCDateTime, utcnow


class NotificationKind:
    """The events that notify the other party."""

    MESSAGE = "message"
    EXERCISE_ASSIGNED = "exercise_assigned"
    EXERCISE_SUBMITTED = "exercise_submitted"
    FEEDBACK_GIVEN = "feedback_given"
    DOCUMENT_UPLOADED = "document_uploaded"
    DATA_REQUEST = "data_request"  # a person asked the practice to use a privacy right
    ALL = (MESSAGE, EXERCISE_ASSIGNED, EXERCISE_SUBMITTED, FEEDBACK_GIVEN, DOCUMENT_UPLOADED, DATA_REQUEST)


class Notification(PracticeModel):
    """"Something new for you": what kind, and the page to look at; never the content."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # A path inside the practice, made of ids only (never personal data).
    url: Mapped[str] = mapped_column(String(300))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
