"""The practice's privacy settings, its processors register and what its privacy page states.

Changes are audited with field names only; the values are the practice's business details,
shown publicly on its privacy page, so they need no encrypted change record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.services import audit
from app.extensions import db
from app.privacy import periods
from app.privacy.models import PrivacySettings, Processor
from app.tenancy.context import current_practice
from app.timeutil import utcnow

SETTINGS_FIELDS = (
    "legal_name", "address", "coc_number", "contact_email",
    "officer_name", "officer_email", "officer_phone", "dossier_retention_months",
)
PROCESSOR_FIELDS = ("name", "purpose", "location", "agreement_date", "note")
# Optional text fields: stored as NULL when left empty.
_OPTIONAL = {"coc_number", "officer_phone", "location", "note"}


@dataclass(frozen=True)
class Operator:
    """Who runs this installation of Koers: the processor that hosts every practice's data."""

    name: str
    email: str
    address: str


@dataclass(frozen=True)
class Retention:
    """The retention periods the privacy page states."""

    dossier_months: int
    special_data_years: int
    billing_years: int
    dossier_anonymised: bool  # at the end of its period a dossier is anonymised, not erased


# --- settings --------------------------------------------------------------------------------


def privacy_settings() -> PrivacySettings:
    """The privacy settings row of the current practice (the migration made it)."""
    return db.session.get(PrivacySettings, 1)  # type: ignore[return-value]


def _clean(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in fields:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
            if name.endswith("email"):
                value = value.lower()
            if name in _OPTIONAL and not value:
                value = None
        clean[name] = value
    return clean


def update_privacy_settings(actor: User, values: dict[str, Any]) -> list[str]:
    """Apply the given fields (the form validated them); audits the names of those that changed (commit after)."""
    settings = privacy_settings()
    clean = _clean(values, SETTINGS_FIELDS)
    months = clean.get("dossier_retention_months")
    if months is not None and not (
        periods.DOSSIER_RETENTION_MIN_MONTHS <= months <= periods.DOSSIER_RETENTION_MAX_MONTHS
    ):
        raise ValueError("dossier retention out of range")
    changed = sorted(name for name, value in clean.items() if getattr(settings, name) != value)
    if changed:
        for name in changed:
            setattr(settings, name, clean[name])
        settings.updated_at = utcnow()
        audit("privacy_settings.updated", "privacy_settings", 1, actor=actor, detail={"fields": changed})
    return changed


def operator() -> Operator:
    """The operator's details from the configuration (KOERS_OPERATOR_*); empty when not configured."""
    config = current_app.config
    # str(): KOERS_* values are parsed as JSON, so a number would arrive as an int.
    return Operator(
        name=str(config.get("OPERATOR_NAME") or "").strip(),
        email=str(config.get("OPERATOR_EMAIL") or "").strip(),
        address=str(config.get("OPERATOR_ADDRESS") or "").strip(),
    )


def retention(settings: PrivacySettings | None = None) -> Retention:
    """The retention periods in force for the current practice."""
    # Imported here: the dossiers package reads the privacy settings.
    from app.dossiers.models import OnExpiry
    from app.dossiers.services import policy

    settings = settings or privacy_settings()
    return Retention(
        dossier_months=settings.dossier_retention_months,
        special_data_years=periods.SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION,
        billing_years=periods.BILLING_RETENTION_YEARS,
        dossier_anonymised=policy().on_expiry == OnExpiry.ANONYMISE,
    )


def responsible_name(settings: PrivacySettings | None = None) -> str:
    """The name the practice is responsible under: its legal name, or its name in Koers."""
    settings = settings or privacy_settings()
    return settings.legal_name or current_practice().name


# --- the processors register -------------------------------------------------------------------


def processors() -> list[Processor]:
    """The practice's processors, by name."""
    return list(db.session.scalars(select(Processor).order_by(func.lower(Processor.name), Processor.id)))


def get_processor_or_404(processor_id: int) -> Processor:
    """The processor with this id in the current practice; 404 for any other id.

    Only practice admins reach the routes that call this; the register itself is public.
    """
    processor = db.session.get(Processor, processor_id) if 0 < processor_id < 2**63 else None
    if processor is None:
        abort(404)
    return processor


def add_processor(actor: User, values: dict[str, Any]) -> Processor:
    """Add a processor to the register (commit after)."""
    clean = _clean(values, PROCESSOR_FIELDS)
    processor = Processor(**clean)
    db.session.add(processor)
    db.session.flush()
    audit("processor.created", "processor", processor.id, actor=actor)
    return processor


def update_processor(actor: User, processor: Processor, values: dict[str, Any]) -> list[str]:
    """Apply changed fields; audits their names (commit after)."""
    clean = _clean(values, PROCESSOR_FIELDS)
    changed = sorted(name for name, value in clean.items() if getattr(processor, name) != value)
    if changed:
        for name in changed:
            setattr(processor, name, clean[name])
        processor.updated_at = utcnow()
        audit("processor.updated", "processor", processor.id, actor=actor, detail={"fields": changed})
    return changed


def delete_processor(actor: User, processor: Processor) -> None:
    """Remove a processor from the register (commit after)."""
    audit("processor.deleted", "processor", processor.id, actor=actor)
    db.session.delete(processor)


def agreement_in_future(processor: Processor, today: date | None = None) -> bool:
    """True when the agreement date lies ahead (the register shows it as not yet in force)."""
    return bool(processor.agreement_date and processor.agreement_date > (today or date.today()))
