"""Billing: billing details, issuing invoices with gap-free numbers, paid status, and the fiscal rule.

Money is integer euro cents everywhere; only templates turn cents into text (money()).

Numbering: an invoice's number is "<year>-<sequence>" ("2026-0001"), the year of its invoice
date and the next sequence number within that year. The number is chosen and the invoice
inserted in one BEGIN IMMEDIATE transaction on the platform store, so two creations at the
same moment queue behind each other: a number is never given twice, and because a failed
creation rolls back its number with it, none is skipped.

VAT: the rate (config VAT_RATE_PERCENT, a whole percentage, 21 by default) is applied once per
invoice to the subtotal excluding VAT and rounded half-up to whole cents (half a cent goes up;
on a credit invoice the same rounding applies to the amount without its minus sign, so a
credit mirrors its original exactly). Lines are never rounded separately.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import abort, current_app
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, or_, select

from app.billing.models import BillingDetails, Invoice, InvoiceKind, InvoiceLine
from app.console.events import console_event
from app.extensions import db
from app.privacy.periods import BILLING_RETENTION_YEARS
from app.retention.rules import retention_rule
from app.tenancy.models import Practice, PracticeStatus
from app.tenancy.sqlite import writing
from app.timeutil import utcnow

MAX_LINES = 50
MAX_QUANTITY = 100_000
MAX_UNIT_PRICE_CENTS = 100_000_000  # one million euro per unit is surely a typing error
CURRENCY = "EUR"


class BillingError(ValueError):
    """An invoice cannot be made or changed as asked; the message (translated) says why."""


@dataclass(frozen=True)
class LineInput:
    """A line as entered: description, quantity and unit price in cents."""

    description: str
    quantity: int
    unit_price_cents: int


# --- money --------------------------------------------------------------------------------


def money(cents: int) -> str:
    """Cents as a euro amount in the reader's locale ("€ 1.234,50" in Dutch)."""
    return format_currency(Decimal(cents) / 100, CURRENCY)


def vat_of(subtotal_cents: int, rate_percent: int) -> int:
    """VAT on a subtotal, rounded half-up to whole cents (the sign of the subtotal is kept)."""
    sign = -1 if subtotal_cents < 0 else 1
    return sign * ((abs(subtotal_cents) * rate_percent + 50) // 100)


def vat_rate() -> int:
    """The VAT rate new invoices carry, as a whole percentage."""
    rate = current_app.config.get("VAT_RATE_PERCENT", 21)
    if isinstance(rate, str):
        rate = rate.strip()
    rate = int(rate)  # a rate like "9.5" is refused at start of use rather than rounded silently
    if not 0 <= rate <= 100:
        raise ValueError("VAT_RATE_PERCENT must be a whole percentage between 0 and 100")
    return rate


# --- billing details ------------------------------------------------------------------------


DETAIL_FIELDS = ("name", "address", "postcode", "city", "country", "vat_number", "email")


def billing_details_of(practice_id: int) -> BillingDetails | None:
    """The practice's current billing details, if the operator entered them."""
    return db.session.scalar(select(BillingDetails).where(BillingDetails.practice_id == practice_id))


def all_billing_details() -> dict[int, BillingDetails]:
    """The billing details of every existing practice, by practice id (one query)."""
    rows = db.session.scalars(select(BillingDetails).where(BillingDetails.practice_id.is_not(None)))
    return {row.practice_id: row for row in rows if row.practice_id is not None}


def save_billing_details(practice: Practice, data: dict[str, Any]) -> BillingDetails:
    """Create or replace the practice's billing details (commits). Issued invoices keep their own copy."""
    _start_writing()
    with writing():
        details = billing_details_of(practice.id)
        created = details is None
        if details is None:
            details = BillingDetails(practice_id=practice.id, practice_slug=practice.slug)
            db.session.add(details)
        changed = [f for f in DETAIL_FIELDS if getattr(details, f, None) != _clean(data.get(f), f)]
        for field in DETAIL_FIELDS:
            setattr(details, field, _clean(data.get(field), field))
        details.practice_slug = practice.slug
        details.updated_at = utcnow()
        db.session.flush()
        _event(
            "billing_details.created" if created else "billing_details.changed",
            "billing_details", details.id, {"practice_id": practice.id, "fields": changed},
        )
        db.session.commit()
    return details


def _clean(value: Any, field: str) -> str | None:
    text = (value or "").strip()
    if field == "vat_number":
        return text.upper().replace(" ", "") or None
    return text


# --- issuing invoices -------------------------------------------------------------------------


def check_lines(lines: Sequence[LineInput], *, credit: bool = False) -> None:
    """Refuse lines an invoice cannot carry; raises BillingError with a translated reason."""
    if not lines:
        raise BillingError(_("An invoice needs at least one line."))
    if len(lines) > MAX_LINES:
        raise BillingError(_("An invoice has at most %(count)s lines.", count=MAX_LINES))
    for line in lines:
        if not line.description.strip():
            raise BillingError(_("Every line needs a description."))
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise BillingError(_("The quantity must be a whole number from 1 to %(max)s.", max=MAX_QUANTITY))
        price = -line.unit_price_cents if credit else line.unit_price_cents
        if not 0 <= price <= MAX_UNIT_PRICE_CENTS:
            raise BillingError(_("The unit price must be zero or more."))


def create_invoice(
    practice: Practice,
    lines: Sequence[LineInput],
    invoice_date: date,
    period: tuple[date, date] | None = None,
    *,
    kind: str = InvoiceKind.CUSTOM,
) -> Invoice:
    """Issue an invoice to a practice with these lines (commits; the number is assigned here).

    The practice's billing details are copied onto the invoice as they are now.
    """
    details = billing_details_of(practice.id)
    if details is None:
        raise BillingError(_("Enter the practice's billing details before invoicing it."))
    facts = {"practice_id": practice.id, "practice_slug": practice.slug, "practice_name": practice.name}
    facts.update({f"billing_{field}": getattr(details, field) for field in DETAIL_FIELDS})
    return _issue(facts, lines, invoice_date, period, kind, vat_rate())


def _issue(
    facts: dict[str, Any],
    lines: Sequence[LineInput],
    invoice_date: date,
    period: tuple[date, date] | None,
    kind: str,
    rate: int,
    credits: Invoice | None = None,
) -> Invoice:
    """Number and store an invoice in one IMMEDIATE transaction, with its console event; commits."""
    check_lines(lines, credit=kind == InvoiceKind.CREDIT)
    if period is not None and period[0] > period[1]:
        raise BillingError(_("The period must end on or after its start."))
    credits_id = credits.id if credits is not None else None
    _start_writing()
    with writing():
        if credits_id is not None and db.session.scalar(
            select(Invoice.id).where(Invoice.credits_invoice_id == credits_id)
        ):
            db.session.rollback()
            raise BillingError(_("This invoice has already been credited."))
        year = invoice_date.year
        # Inside the IMMEDIATE transaction: no other creation can read the same maximum.
        last = db.session.scalar(select(func.max(Invoice.sequence)).where(Invoice.year == year)) or 0
        invoice = Invoice(
            number=f"{year}-{last + 1:04d}", year=year, sequence=last + 1, kind=kind,
            credits_invoice_id=credits_id, credits_number=credits.number if credits is not None else None,
            invoice_date=invoice_date,
            period_start=period[0] if period else None, period_end=period[1] if period else None,
            vat_rate_percent=rate, created_at=utcnow(), **facts,
        )
        for position, line in enumerate(lines, start=1):
            invoice.lines.append(
                InvoiceLine(
                    position=position, description=line.description.strip(), quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents, amount_cents=line.quantity * line.unit_price_cents,
                )
            )
        invoice.subtotal_cents = sum(line.amount_cents for line in invoice.lines)
        invoice.vat_cents = vat_of(invoice.subtotal_cents, rate)
        invoice.total_cents = invoice.subtotal_cents + invoice.vat_cents
        db.session.add(invoice)
        db.session.flush()
        detail: dict[str, Any] = {"practice_id": facts["practice_id"], "number": invoice.number, "kind": kind}
        if credits_id is not None:
            detail["credits_invoice_id"] = credits_id
        _event("invoice.issued", "invoice", invoice.id, detail)
        db.session.commit()
    return invoice


def whole_months(start: date, end: date) -> int:
    """How many calendar months start..end spans; BillingError unless it is whole months."""
    if start > end:
        raise BillingError(_("The period must end on or after its start."))
    if start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1]:
        raise BillingError(_("A subscription period runs from the first day of a month to the last day of a month."))
    return (end.year - start.year) * 12 + end.month - start.month + 1


def create_subscription_invoice(
    practice: Practice, period_start: date, period_end: date, invoice_date: date
) -> Invoice:
    """Invoice whole months of the practice's subscription: one line, months × its price per month.

    The subscription must run through the whole period (started by its first day, not ended
    before its last).
    """
    from app.console.services import current_subscription

    months = whole_months(period_start, period_end)
    subscription = current_subscription(practice.id, on=period_start)
    if subscription is None or subscription.starts_on > period_start:
        raise BillingError(_("This practice has no subscription that runs from the start of this period."))
    if subscription.ends_on is not None and subscription.ends_on < period_end:
        raise BillingError(
            _("The subscription ends on %(date)s, before the end of this period.",
              date=format_date(subscription.ends_on, "medium"))
        )
    description = _(
        "Subscription %(plan)s, %(start)s to %(end)s",
        plan=subscription.plan,
        start=format_date(period_start, "medium"),
        end=format_date(period_end, "medium"),
    )
    line = LineInput(description[:200], months, subscription.price_cents)
    return create_invoice(
        practice, [line], invoice_date, (period_start, period_end),
        kind=InvoiceKind.SUBSCRIPTION,
    )


def create_credit_invoice(original: Invoice, invoice_date: date) -> Invoice:
    """Cancel an invoice with a credit invoice (commits).

    The credit carries the original's lines with negative unit prices and amounts, its VAT
    rate, its period and the billing details printed on it, and names it; it gets its own number.
    """
    if original.kind == InvoiceKind.CREDIT:
        raise BillingError(_("A credit invoice cannot itself be credited."))
    if invoice_date < original.invoice_date:
        raise BillingError(_("A credit invoice cannot be dated before the invoice it cancels."))
    facts = {
        column: getattr(original, column)
        for column in ("practice_id", "practice_slug", "practice_name")
        + tuple(f"billing_{field}" for field in DETAIL_FIELDS)
    }
    lines = [LineInput(line.description, line.quantity, -line.unit_price_cents) for line in original.lines]
    period = (original.period_start, original.period_end) if original.period_start and original.period_end else None
    return _issue(facts, lines, invoice_date, period, InvoiceKind.CREDIT, original.vat_rate_percent, credits=original)


def credit_of(invoice: Invoice) -> Invoice | None:
    """The credit invoice that cancels this one, if any."""
    return db.session.scalar(select(Invoice).where(Invoice.credits_invoice_id == invoice.id))


# --- paid status -------------------------------------------------------------------------------


def mark_paid(invoice: Invoice, paid_on: date) -> None:
    """Record the date an invoice was paid (commits); the invoice itself does not change."""
    if paid_on < invoice.invoice_date:
        raise BillingError(_("An invoice cannot be paid before its date."))
    _start_writing()
    with writing():
        db.session.refresh(invoice)
        invoice.paid_on = paid_on
        _event("invoice.paid", "invoice", invoice.id, {"paid_on": paid_on.isoformat()})
        db.session.commit()


def mark_unpaid(invoice: Invoice) -> None:
    """Clear the paid date (a payment recorded by mistake); commits."""
    _start_writing()
    with writing():
        db.session.refresh(invoice)
        invoice.paid_on = None
        _event("invoice.unpaid", "invoice", invoice.id, {})
        db.session.commit()


# --- reading ------------------------------------------------------------------------------------


def invoices_of(practice_id: int) -> list[Invoice]:
    """A practice's invoices, newest first."""
    return list(
        db.session.scalars(
            select(Invoice).where(Invoice.practice_id == practice_id).order_by(Invoice.year.desc(), Invoice.sequence.desc())
        )
    )


def find_invoices(practice_id: int | None = None, paid: bool | None = None, year: int | None = None) -> list[Invoice]:
    """Invoices, newest first, filtered by practice, paid status and year of the invoice date."""
    query = select(Invoice).order_by(Invoice.year.desc(), Invoice.sequence.desc())
    if practice_id is not None:
        query = query.where(Invoice.practice_id == practice_id)
    if paid is not None:
        query = query.where(Invoice.paid_on.is_not(None) if paid else Invoice.paid_on.is_(None))
    if year is not None:
        query = query.where(Invoice.year == year)
    return list(db.session.scalars(query))


def invoice_years() -> list[int]:
    """The years that have invoices, newest first."""
    return list(db.session.scalars(select(Invoice.year).distinct().order_by(Invoice.year.desc())))


def get_invoice_or_404(invoice_id: int) -> Invoice:
    """The invoice with this id (the console's operators see every invoice), or 404."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def get_practice_or_404(practice_id: int) -> Practice:
    practice = db.session.get(Practice, practice_id)
    if practice is None:
        abort(404)
    return practice


def practices() -> list[Practice]:
    """Every practice, by name (for choosing whom to invoice)."""
    return list(db.session.scalars(select(Practice).order_by(Practice.name, Practice.slug)))


# --- the fiscal retention rule --------------------------------------------------------------


def deletion_date(invoice_date: date) -> date:
    """The first day an invoice may be deleted: 1 January of the year after the last kept year.

    An invoice is kept for BILLING_RETENTION_YEARS after the end of the year of its invoice
    date: dated anywhere in 2026, it is kept through 31 December 2033 and deleted from
    1 January 2034.
    """
    return date(invoice_date.year + BILLING_RETENTION_YEARS + 1, 1, 1)


def _oldest_kept_year(now: datetime) -> int:
    """Invoices dated in this year or later are still kept on `now` (a UTC date)."""
    return now.astimezone(UTC).year - BILLING_RETENTION_YEARS


@retention_rule("billing.fiscal", per_practice=False, order=40)
def delete_expired_invoices(now: datetime, dry_run: bool) -> dict[str, int]:
    """Delete invoices (with their lines and billing snapshots) past the fiscal period.

    Also deletes the billing details of a practice that no longer exists (its row deleted, or
    erased by the special-data rule) once none of its invoices is left. Does not commit: the retention job commits (or, in a dry run, rolls back).
    Returns counts per kind: invoices, invoice_lines, billing_details.
    """
    oldest_year = _oldest_kept_year(now)
    with writing():
        expired = select(Invoice.id).where(Invoice.year < oldest_year)
        counts = {
            "invoices": db.session.scalar(select(func.count()).select_from(expired.subquery())) or 0,
            "invoice_lines": db.session.scalar(
                select(func.count()).select_from(InvoiceLine).where(InvoiceLine.invoice_id.in_(expired))
            ) or 0,
        }
        orphans = _orphaned_details(oldest_year)
        counts["billing_details"] = len(orphans)
        if dry_run:
            return counts
        ids = list(db.session.scalars(expired))
        db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(ids)))
        db.session.execute(delete(Invoice).where(Invoice.id.in_(ids)))
        if orphans:
            db.session.execute(delete(BillingDetails).where(BillingDetails.id.in_(orphans)))
        if ids or orphans:
            _event(
                "invoices.deleted_after_fiscal_period", "invoice", None,
                {"invoices": counts["invoices"], "billing_details": counts["billing_details"], "before_year": oldest_year},
            )
        db.session.flush()
    return counts


def _orphaned_details(oldest_kept_year: int) -> list[int]:
    """Billing details of a practice that is gone (row deleted) or erased, none of whose invoices outlive this run."""
    erased = select(Practice.id).where(Practice.status == PracticeStatus.ERASED)
    gone = or_(BillingDetails.practice_id.is_(None), BillingDetails.practice_id.in_(erased))
    remaining = exists().where(
        Invoice.year >= oldest_kept_year,
        or_(
            and_(BillingDetails.practice_id.is_not(None), Invoice.practice_id == BillingDetails.practice_id),
            # A deleted practice's invoices and details both lost the id; the slug still pairs them.
            and_(
                BillingDetails.practice_id.is_(None),
                Invoice.practice_id.is_(None),
                Invoice.practice_slug == BillingDetails.practice_slug,
            ),
        ),
    )
    return list(db.session.scalars(select(BillingDetails.id).where(gone, ~remaining)))


# --- plumbing ---------------------------------------------------------------------------------


def _start_writing() -> None:
    """Refuse to write inside a transaction that began deferred: it could not lock up front."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("commit pending work before issuing or changing invoices")
    # Nothing pending: end the (read-only) transaction so the next one begins IMMEDIATE.
    db.session.commit()


def _event(action: str, object_type: str, object_id: int | None, detail: dict[str, Any]) -> None:
    """Record a billing change in the console's log (ids, numbers, dates and amounts only; commits with it)."""
    console_event(action, object_type, object_id, detail)

