"""Billing: the practices' billing details and the invoices of their subscriptions.

Everything lives in the platform store. Money is integer euro cents everywhere. An invoice
copies the billing details as they were on its date (it does not refer to them), and keeps
the practice's slug and name as text, so it outlives both a later change of the details and
the practice itself ("factuur", kept for the fiscal retention period).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 300
POSTCODE_MAX_LENGTH = 20
CITY_MAX_LENGTH = 100
COUNTRY_MAX_LENGTH = 100
VAT_NUMBER_MAX_LENGTH = 30
EMAIL_MAX_LENGTH = 254
DESCRIPTION_MAX_LENGTH = 200


class BillingDetails(db.Model):
    """Where and to whom a practice's invoices go ("factuurgegevens"); edited by the operator."""

    __tablename__ = "billing_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL: when the practice is deleted, the row waits for the fiscal rule, which removes
    # it once none of the practice's invoices is left (matched by practice_slug).
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="SET NULL"), unique=True)
    practice_slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX_LENGTH))
    postcode: Mapped[str] = mapped_column(String(POSTCODE_MAX_LENGTH))
    city: Mapped[str] = mapped_column(String(CITY_MAX_LENGTH))
    country: Mapped[str] = mapped_column(String(COUNTRY_MAX_LENGTH))
    vat_number: Mapped[str | None] = mapped_column(String(VAT_NUMBER_MAX_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceKind:
    """What an invoice is for."""

    SUBSCRIPTION = "subscription"  # a period of the practice's subscription
    CUSTOM = "custom"  # free-form lines
    CREDIT = "credit"  # cancels an earlier invoice with negative amounts
    ALL = (SUBSCRIPTION, CUSTOM, CREDIT)


class Invoice(db.Model):
    """An issued invoice: never changed after issue, except its paid date."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "2026-0001": the year of invoice_date and a gap-free sequence within that year.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    # A credit invoice names the invoice it cancels (at most one credit each); the number stays
    # when that one is gone.
    credits_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), unique=True
    )
    credits_number: Mapped[str | None] = mapped_column(String(20))
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="SET NULL"), index=True)
    practice_slug: Mapped[str] = mapped_column(String(40))
    practice_name: Mapped[str] = mapped_column(String(200))
    # The billing details as they were on the invoice date (copied, not referred to).
    billing_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    billing_address: Mapped[str] = mapped_column(String(ADDRESS_MAX_LENGTH))
    billing_postcode: Mapped[str] = mapped_column(String(POSTCODE_MAX_LENGTH))
    billing_city: Mapped[str] = mapped_column(String(CITY_MAX_LENGTH))
    billing_country: Mapped[str] = mapped_column(String(COUNTRY_MAX_LENGTH))
    billing_vat_number: Mapped[str | None] = mapped_column(String(VAT_NUMBER_MAX_LENGTH))
    billing_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    invoice_date: Mapped[date] = mapped_column(Date, index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    vat_rate_percent: Mapped[int] = mapped_column(Integer)
    vat_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


class InvoiceLine(db.Model):
    """One line of an invoice: description, quantity, unit price and amount."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
