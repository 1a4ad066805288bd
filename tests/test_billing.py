"""Invoices: gap-free numbers, amounts and VAT, the billing details they carry, and the fiscal deletion rule."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.billing import services as billing
from app.billing.models import BillingDetails, Invoice, InvoiceKind, InvoiceLine
from app.billing.services import BillingError, LineInput
from app.extensions import db
from app.retention.rules import rules
from app.tenancy import services as tenancy
from app.tenancy.models import Practice, PracticeStatus

DETAILS = {
    "name": "Praktijk Een B.V.", "address": "Kerkstraat 1", "postcode": "1234 AB", "city": "Utrecht",
    "country": "Nederland", "vat_number": "nl123456789b01", "email": "facturen@een.test",
}


def practice(slug: str = "praktijk-een") -> Practice:
    return db.session.scalar(sa.select(Practice).where(Practice.slug == slug))


def with_details(slug: str = "praktijk-een", **changes: str) -> Practice:
    billing.save_billing_details(practice(slug), {**DETAILS, **changes})
    return practice(slug)


def issue(lines=None, on: date = date(2026, 3, 31), slug: str = "praktijk-een") -> Invoice:
    return billing.create_invoice(
        practice(slug), lines or [LineInput("Onboarding", 1, 25_000)], on, (date(2026, 3, 1), date(2026, 3, 31))
    )


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- numbers ---------------------------------------------------------------------------------


def test_it_numbers_invoices_per_year_without_gaps(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        numbers = [issue(on=d).number for d in (date(2026, 1, 5), date(2026, 6, 1), date(2027, 1, 2), date(2026, 12, 31))]

    assert numbers == ["2026-0001", "2026-0002", "2027-0001", "2026-0003"]


def test_it_skips_no_number_when_an_invoice_is_refused(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        first = issue().number
        with pytest.raises(BillingError):
            issue(lines=[LineInput("", 1, 100)])
        with pytest.raises(BillingError):
            issue(slug="praktijk-twee")  # no billing details yet
        second = issue().number

    assert (first, second) == ("2026-0001", "2026-0002")


def test_it_never_gives_two_concurrent_invoices_the_same_number_or_skips_one(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        with_details("praktijk-twee", name="Praktijk Twee")
    per_thread, threads_count = 5, 6
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(slug: str) -> None:
        try:
            with app.test_request_context(headers={"Accept-Language": "en"}):
                barrier.wait()
                for _ in range(per_thread):
                    issue(slug=slug)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(("praktijk-een", "praktijk-twee")[n % 2],)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    with app.test_request_context(headers={"Accept-Language": "en"}):
        sequences = sorted(db.session.scalars(sa.select(Invoice.sequence)))
        numbers = set(db.session.scalars(sa.select(Invoice.number)))
    assert sequences == list(range(1, per_thread * threads_count + 1))
    assert len(numbers) == per_thread * threads_count


# --- amounts -----------------------------------------------------------------------------------


def test_it_adds_up_lines_and_charges_vat_once_on_the_subtotal(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        invoice = issue([LineInput("Coach seat", 3, 1_999), LineInput("Set-up", 1, 5_000)])

        assert [line.amount_cents for line in invoice.lines] == [5_997, 5_000]
        assert invoice.subtotal_cents == 10_997
        assert invoice.vat_rate_percent == 21
        assert invoice.vat_cents == 2_309  # 2309.37 rounds down
        assert invoice.total_cents == 13_306


@pytest.mark.parametrize(
    ("subtotal", "rate", "vat"),
    [(50, 21, 11), (250, 21, 53), (1_000, 21, 210), (150, 9, 14), (-250, 21, -53), (0, 21, 0), (333, 0, 0)],
)
def test_it_rounds_vat_half_up_to_whole_cents(subtotal, rate, vat):
    # 50 × 21% = 10.5 → 11; 250 × 21% = 52.5 → 53; 150 × 9% = 13.5 → 14; a credit mirrors its original.
    assert billing.vat_of(subtotal, rate) == vat


def test_it_uses_the_configured_vat_rate_and_keeps_it_on_issued_invoices(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        app.config["VAT_RATE_PERCENT"] = 9
        first = issue([LineInput("Training", 1, 10_000)])
        app.config["VAT_RATE_PERCENT"] = 21
        again = db.session.get(Invoice, first.id)

        assert (again.vat_rate_percent, again.vat_cents, again.total_cents) == (9, 900, 10_900)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineInput("Seats", -1, 100), "quantity"),
        (LineInput("Seats", 0, 100), "quantity"),
        (LineInput("  ", 1, 100), "description"),
        (LineInput("Seats", 1, -100), "unit price"),
    ],
)
def test_it_refuses_bad_lines_and_stores_nothing(app, world, line, message):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        with pytest.raises(BillingError, match=message):
            issue([line])
        with pytest.raises(BillingError, match="at least one line"):
            billing.create_invoice(practice(), [], date(2026, 3, 31))

        assert count(Invoice) == 0 and count(InvoiceLine) == 0


def test_it_refuses_a_period_that_ends_before_it_starts(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        with pytest.raises(BillingError, match="end on or after"):
            billing.create_invoice(practice(), [LineInput("x", 1, 1)], date(2026, 3, 1), (date(2026, 3, 2), date(2026, 3, 1)))
        assert count(Invoice) == 0


# --- the billing details on the invoice ----------------------------------------------------------


def test_it_keeps_the_billing_details_as_they_were_on_the_invoice_date(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        invoice_id = issue().id
        with_details(name="Een Coaching B.V.", address="Nieuwe Gracht 9", vat_number="")
        invoice = db.session.get(Invoice, invoice_id)

        assert (invoice.billing_name, invoice.billing_address) == ("Praktijk Een B.V.", "Kerkstraat 1")
        assert invoice.billing_vat_number == "NL123456789B01"
        assert billing.billing_details_of(practice().id).name == "Een Coaching B.V."
        assert billing.billing_details_of(practice().id).vat_number is None
        assert issue().billing_name == "Een Coaching B.V."


def test_it_keeps_an_invoice_when_its_practice_is_deleted(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        invoice_id = issue().id
        tenancy.delete_practice("praktijk-een")
        db.session.expire_all()
        invoice = db.session.get(Invoice, invoice_id)

        assert invoice.practice_id is None
        assert (invoice.practice_slug, invoice.practice_name) == ("praktijk-een", "Praktijk Een")
        assert invoice.billing_name == "Praktijk Een B.V." and len(invoice.lines) == 1
        assert billing.invoices_of(practice("praktijk-twee").id) == []


# --- subscription periods and credits -----------------------------------------------------------


def test_it_only_invoices_whole_calendar_months(app, world):
    assert billing.whole_months(date(2026, 1, 1), date(2026, 3, 31)) == 3
    assert billing.whole_months(date(2026, 2, 1), date(2026, 2, 28)) == 1
    assert billing.whole_months(date(2025, 12, 1), date(2026, 1, 31)) == 2
    for start, end in ((date(2026, 1, 2), date(2026, 1, 31)), (date(2026, 1, 1), date(2026, 1, 30))):
        with pytest.raises(BillingError, match="first day of a month"):
            billing.whole_months(start, end)


def test_it_credits_an_invoice_with_negative_amounts_that_name_it(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        app.config["VAT_RATE_PERCENT"] = 9
        original = issue([LineInput("Seats", 3, 1_999), LineInput("Set-up", 1, 50)])
        app.config["VAT_RATE_PERCENT"] = 21
        with_details(name="Renamed B.V.")
        credit = billing.create_credit_invoice(original, date(2026, 4, 2))

        assert credit.kind == InvoiceKind.CREDIT and credit.number == "2026-0002"
        assert (credit.credits_invoice_id, credit.credits_number) == (original.id, "2026-0001")
        assert [line.amount_cents for line in credit.lines] == [-5_997, -50]
        assert credit.vat_rate_percent == 9
        assert (credit.subtotal_cents, credit.vat_cents, credit.total_cents) == (
            -original.subtotal_cents, -original.vat_cents, -original.total_cents
        )
        assert credit.billing_name == "Praktijk Een B.V."  # as on the invoice it cancels
        with pytest.raises(BillingError, match="already been credited"):
            billing.create_credit_invoice(original, date(2026, 4, 3))
        with pytest.raises(BillingError, match="cannot itself be credited"):
            billing.create_credit_invoice(credit, date(2026, 4, 3))
        assert count(Invoice) == 2


def test_it_marks_an_invoice_paid_and_unpaid_without_changing_it(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        invoice = issue()
        total = invoice.total_cents
        with pytest.raises(BillingError, match="before its date"):
            billing.mark_paid(invoice, date(2026, 3, 30))
        billing.mark_paid(invoice, date(2026, 4, 14))
        assert db.session.get(Invoice, invoice.id).paid_on == date(2026, 4, 14)
        assert [i.number for i in billing.find_invoices(paid=True)] == ["2026-0001"]
        assert billing.find_invoices(paid=False) == []
        billing.mark_unpaid(invoice)

        again = db.session.get(Invoice, invoice.id)
        assert again.paid_on is None and again.total_cents == total
        assert [i.number for i in billing.find_invoices(paid=False, year=2026)] == ["2026-0001"]
        assert billing.find_invoices(year=2025) == []


# --- the fiscal retention rule -------------------------------------------------------------------


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def test_it_states_the_deletion_date_of_an_invoice(app):
    for day in (date(2026, 1, 1), date(2026, 7, 15), date(2026, 12, 31)):
        assert billing.deletion_date(day) == date(2034, 1, 1)


def test_it_registers_the_fiscal_rule_for_the_retention_job():
    rule = next(r for r in rules() if r.name == "billing.fiscal")
    assert (rule.per_practice, rule.order, rule.run) == (False, 40, billing.delete_expired_invoices)


def test_it_keeps_invoices_through_the_seventh_year_after_their_year_and_deletes_them_after(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        early = issue(on=date(2026, 1, 1)).id
        late = issue([LineInput("a", 1, 1), LineInput("b", 1, 2)], on=date(2026, 12, 31)).id
        next_year = issue(on=date(2027, 1, 1)).id

        day_before = billing.delete_expired_invoices(at(date(2033, 12, 31)), dry_run=False)
        db.session.commit()
        assert day_before == {"invoices": 0, "invoice_lines": 0, "billing_details": 0}
        assert count(Invoice) == 3

        day_after = billing.delete_expired_invoices(at(date(2034, 1, 2)), dry_run=False)
        db.session.commit()
        assert day_after == {"invoices": 2, "invoice_lines": 3, "billing_details": 0}
        assert set(db.session.scalars(sa.select(Invoice.id))) == {next_year}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InvoiceLine).where(
            InvoiceLine.invoice_id.in_([early, late]))) == 0
        # The practice still exists: its billing details stay.
        assert count(BillingDetails) == 1


def test_it_deletes_on_new_years_day_in_utc(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        issue(on=date(2026, 6, 1))
        late_evening = datetime(2033, 12, 31, 23, 59, tzinfo=UTC)
        assert billing.delete_expired_invoices(late_evening, dry_run=True)["invoices"] == 0
        assert billing.delete_expired_invoices(late_evening + timedelta(minutes=1), dry_run=True)["invoices"] == 1


def test_it_only_counts_in_a_dry_run(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        issue(on=date(2026, 5, 1))
        tenancy.delete_practice("praktijk-een")

        counts = billing.delete_expired_invoices(at(date(2040, 1, 1)), dry_run=True)
        db.session.commit()

        assert counts == {"invoices": 1, "invoice_lines": 1, "billing_details": 1}
        assert count(Invoice) == 1 and count(InvoiceLine) == 1 and count(BillingDetails) == 1


def test_it_deletes_the_billing_details_of_a_gone_practice_once_its_last_invoice_goes(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        with_details("praktijk-twee", name="Praktijk Twee")
        issue(on=date(2026, 5, 1))
        issue(on=date(2028, 5, 1))
        tenancy.delete_practice("praktijk-een")

        first = billing.delete_expired_invoices(at(date(2034, 1, 2)), dry_run=False)
        db.session.commit()
        assert first == {"invoices": 1, "invoice_lines": 1, "billing_details": 0}
        assert count(BillingDetails) == 2

        second = billing.delete_expired_invoices(at(date(2036, 1, 2)), dry_run=False)
        db.session.commit()
        assert second == {"invoices": 1, "invoice_lines": 1, "billing_details": 1}
        assert [d.practice_slug for d in db.session.scalars(sa.select(BillingDetails))] == ["praktijk-twee"]
        # Run again: nothing more to do.
        assert billing.delete_expired_invoices(at(date(2036, 1, 2)), dry_run=False) == {
            "invoices": 0, "invoice_lines": 0, "billing_details": 0
        }


def test_it_deletes_the_billing_details_of_an_erased_practice_with_its_last_invoice(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        issue(on=date(2026, 5, 1))
        erased = practice()
        erased.status = PracticeStatus.ERASED
        db.session.commit()

        assert billing.delete_expired_invoices(at(date(2033, 12, 31)), dry_run=False)["billing_details"] == 0
        db.session.commit()
        assert billing.delete_expired_invoices(at(date(2034, 1, 1)), dry_run=False) == {
            "invoices": 1, "invoice_lines": 1, "billing_details": 1
        }
        db.session.commit()
        assert count(BillingDetails) == 0 and count(Invoice) == 0


def test_it_runs_in_the_retention_job_and_records_what_it_deleted(app, world):
    from app.console.models import ConsoleEvent
    from app.retention.services import run_retention

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        issue(on=date(2026, 5, 1))
        issue(on=date(2027, 5, 1))

    with app.app_context():
        preview = run_retention(at(date(2034, 1, 1)), dry_run=True)
        assert preview.platform["billing.fiscal"] == {"invoices": 1, "invoice_lines": 1, "billing_details": 0}
        assert count(Invoice) == 2
        done = run_retention(at(date(2034, 1, 1)))
        assert done.platform["billing.fiscal"] == {"invoices": 1, "invoice_lines": 1, "billing_details": 0}
        assert [i.number for i in db.session.scalars(sa.select(Invoice))] == ["2027-0001"]
        event = db.session.scalars(sa.select(ConsoleEvent).order_by(ConsoleEvent.id.desc())).first()
        assert event.action == "invoices.deleted_after_fiscal_period" and event.operator_id is None
        assert event.detail == {"invoices": 1, "billing_details": 0, "before_year": 2027}


@pytest.mark.parametrize(("moment", "left"), [("2033-12-31T12:00:00+00:00", 1), ("2034-01-02T12:00:00+00:00", 0)])
def test_it_deletes_an_invoice_by_hand_only_after_its_deadline(app, world, moment, left):
    import time_machine

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with_details()
        issue(on=date(2026, 12, 31))
    with time_machine.travel(datetime.fromisoformat(moment), tick=False):
        preview = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
        done = app.test_cli_runner().invoke(args=["retention", "run"])

    assert f"billing.fiscal: invoices={1 - left}, invoice_lines={1 - left}" in preview.output, preview.output
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert count(Invoice) == left and count(InvoiceLine) == left
