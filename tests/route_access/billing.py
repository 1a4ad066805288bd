"""Routes of the billing package: console pages for operators only.

Practice people carry a practice session cookie, which the console refuses with 404;
anonymous visitors are sent to the console's sign-in page. No persona ever sees an invoice.
"""
from __future__ import annotations

from datetime import date

from app.billing import services as billing
from app.billing.services import LineInput
from app.extensions import db
from app.tenancy.models import Practice
from tests.route_access import Route, everyone

DETAILS = {
    "name": "Praktijk Een B.V.", "address": "Kerkstraat 1", "postcode": "1234 AB", "city": "Utrecht",
    "country": "Nederland", "vat_number": "", "email": "facturen@een.test",
}


def setup(app, world) -> dict[str, int]:
    """Billing details and one invoice of praktijk-een."""
    with app.test_request_context():
        practice = db.session.query(Practice).filter_by(slug="praktijk-een").one()
        billing.save_billing_details(practice, DETAILS)
        invoice = billing.create_invoice(practice, [LineInput("Onboarding", 1, 25_000)], date(2026, 3, 31))
        return {"practice": practice.id, "invoice": invoice.id}


def _console() -> dict[str, int | set[int]]:
    return {**everyone(404), "anonymous": 302}


def _practice(ids: dict[str, int]) -> dict[str, object]:
    return {"practice_id": ids["practice"]}


def _invoice(ids: dict[str, int]) -> dict[str, object]:
    return {"invoice_id": ids["invoice"]}


ROUTES = [
    Route("console.billing.index", in_practice=False, expect=_console()),
    Route("console.billing.details_index", in_practice=False, expect=_console()),
    Route("console.billing.details_edit", values=_practice, in_practice=False, expect=_console()),
    Route("console.billing.new", in_practice=False, expect=_console()),
    Route("console.billing.new_subscription", in_practice=False, expect=_console()),
    Route("console.billing.detail", values=_invoice, in_practice=False, expect=_console()),
    Route("console.billing.details_edit", "POST", values=_practice, in_practice=False, data=DETAILS, expect=_console()),
    Route("console.billing.new", "POST", in_practice=False, expect=_console(),
          data={"practice_id": "1", "invoice_date": "2026-03-31", "lines-0-description": "Extra seat",
                "lines-0-quantity": "1", "lines-0-unit_price": "10"}),
    Route("console.billing.new_subscription", "POST", in_practice=False, expect=_console(),
          data={"practice_id": "1", "period_start": "2026-03-01", "period_end": "2026-03-31", "invoice_date": "2026-03-31"}),
    Route("console.billing.mark_paid", "POST", values=_invoice, in_practice=False, data={"paid_on": "2026-04-02"},
          expect=_console()),
    Route("console.billing.mark_unpaid", "POST", values=_invoice, in_practice=False, expect=_console()),
    Route("console.billing.credit", "POST", values=_invoice, in_practice=False, data={"invoice_date": "2026-04-02"},
          expect=_console()),
]
