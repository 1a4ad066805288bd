"""Platform models: the practices this installation hosts ("klanten")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class PracticeStatus:
    """The states a practice can be in."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    # Its special data was erased after the subscription ended: file and data key are gone,
    # the row stays for invoices and the run record (app/retention/special_data.py).
    ERASED = "erased"
    ALL = (ACTIVE, SUSPENDED, ERASED)


class Practice(db.Model):
    """A practice (tenant, "abonnementhouder"): one SQLite file under instance/tenants/."""

    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=PracticeStatus.ACTIVE)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PracticeModel(db.Model):
    """Base of every model stored in a practice's own file."""

    __abstract__ = True
    __bind_key__ = "tenant"
