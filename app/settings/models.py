"""The practice's own settings: one row per practice file."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from app.tenancy.models import PracticeModel


class PracticeSettings(PracticeModel):
    """How this practice works; the migration creates its single row (id 1)."""

    __tablename__ = "practice_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Off: a coach sees only the clients assigned to them. On: every coach sees every client.
    shared_caseloads: Mapped[bool] = mapped_column(default=False)
