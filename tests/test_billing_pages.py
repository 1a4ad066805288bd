"""The console's billing pages: billing details, issuing invoices, the printable invoice, payments, credits."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.billing import services as billing
from app.billing.models import BillingDetails, Invoice, InvoiceLine
from app.billing.services import LineInput
from app.console import services as console
from app.console.models import ConsoleEvent, Operator
from app.extensions import db
from app.tenancy.models import Practice
from app.timeutil import utcnow
from tests.conftest import Visitor
from tests.route_access.console import OPERATOR_EMAIL, OPERATOR_PASSWORD, make_operator

DETAILS = {
    "name": "Praktijk Een B.V.", "address": "Kerkstraat 1", "postcode": "1234 AB", "city": "Utrecht",
    "country": "Nederland", "vat_number": "NL123456789B01", "email": "facturen@een.test",
}


def today() -> date:
    return utcnow().date()


@pytest.fixture
def operator(app) -> Visitor:
    """A browser signed in to the console as an operator, reading English."""
    make_operator(app)
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = visitor.post("/platform/login", {"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD})
    assert response.status_code == 303
    return visitor


def practice_id(app, slug: str = "praktijk-een") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Practice.id).where(Practice.slug == slug))


def with_details(app, slug: str = "praktijk-een") -> int:
    with app.test_request_context():
        practice = db.session.scalar(sa.select(Practice).where(Practice.slug == slug))
        billing.save_billing_details(practice, DETAILS)
        return practice.id


def issued(app, lines=None, on: date | None = None) -> SimpleNamespace:
    with app.test_request_context():
        practice = db.session.scalar(sa.select(Practice).where(Practice.slug == "praktijk-een"))
        invoice = billing.create_invoice(practice, lines or [LineInput("Onboarding", 1, 25_000)], on or today())
        return SimpleNamespace(id=invoice.id, number=invoice.number)


def stored(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def console_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ConsoleEvent.action).order_by(ConsoleEvent.id)))


def invoice_form(practice: int, **fields: str) -> dict[str, str]:
    data = {
        "practice_id": str(practice), "invoice_date": today().isoformat(),
        "lines-0-description": "Extra coachplaatsen", "lines-0-quantity": "3", "lines-0-unit_price": "19,99",
        "lines-1-description": "Inrichting", "lines-1-quantity": "1", "lines-1-unit_price": "50",
    }
    data.update(fields)
    return data


# --- billing details ---------------------------------------------------------------------------


def test_it_lets_the_operator_enter_and_change_billing_details(app, world, operator):
    pid = practice_id(app)
    listing = operator.get("/platform/invoices/billing-details").get_data(as_text=True)
    assert "Praktijk Een" in listing and "Not entered yet" in listing

    response = operator.post(f"/platform/invoices/billing-details/{pid}", {**DETAILS, "vat_number": "nl 1234.56789.B01"})

    assert response.status_code == 303
    with app.app_context():
        details = billing.billing_details_of(pid)
        assert (details.name, details.vat_number, details.email) == ("Praktijk Een B.V.", "NL123456789B01", "facturen@een.test")
    assert console_actions(app)[-1] == "billing_details.created"
    page = operator.get(f"/platform/invoices/billing-details/{pid}").get_data(as_text=True)
    assert 'value="Praktijk Een B.V."' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "geen-adres", "Enter a valid e-mail address."),
        ("name", "", "Enter the name invoices are addressed to."),
        ("vat_number", "123", "Enter a VAT number as a country code and digits"),
        ("postcode", "x" * 30, "Field cannot be longer than 20 characters."),
    ],
)
def test_it_refuses_bad_billing_details_and_saves_nothing(app, world, operator, field, value, message):
    response = operator.post(f"/platform/invoices/billing-details/{practice_id(app)}", {**DETAILS, field: value})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app, BillingDetails) == 0


def test_it_answers_404_for_billing_details_of_an_unknown_practice(app, world, operator):
    assert operator.get("/platform/invoices/billing-details/999").status_code == 404
    assert operator.post("/platform/invoices/billing-details/999", DETAILS).status_code == 404


# --- issuing ---------------------------------------------------------------------------------


def test_it_issues_an_invoice_with_lines_and_shows_it_ready_to_print(app, world, operator):
    pid = with_details(app)
    app.config.update(OPERATOR_NAME="Koers Hosting", OPERATOR_ADDRESS="Havenweg 2\n3511 AA Utrecht",
                      OPERATOR_IBAN="NL91ABNA0417164300", OPERATOR_COC_NUMBER="12345678", OPERATOR_VAT_NUMBER="NL0001B02")

    response = operator.post("/platform/invoices/new", invoice_form(pid))

    assert response.status_code == 303
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    number = f"{today().year}-0001"
    assert f"Invoice {number}" in page
    assert "Praktijk Een B.V." in page and "1234 AB Utrecht" in page and "NL123456789B01" in page
    assert "Koers Hosting" in page and "Havenweg 2" in page and "NL91ABNA0417164300" in page and "12345678" in page
    # 3 × 19.99 + 50 = 109.97; 21% of it is 23.0937 → 23.09; total 133.06.
    for amount in ("€59.97", "€109.97", "€23.09", "€133.06"):
        assert amount in page
    assert "css/billing.css" in page
    css = operator.get("/static/css/billing.css").get_data(as_text=True)
    assert "@media print" in css and "size: A4" in css
    assert console_actions(app)[-1] == "invoice.issued"
    with app.app_context():
        invoice = db.session.scalar(sa.select(Invoice))
        assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (10_997, 2_309, 13_306)


def test_it_shows_amounts_in_the_readers_language(app, world, operator):
    with_details(app)
    invoice = issued(app, [LineInput("Seats", 1, 123_450)])

    english = operator.get(f"/platform/invoices/{invoice.id}").get_data(as_text=True)
    operator.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    dutch = operator.get(f"/platform/invoices/{invoice.id}").get_data(as_text=True)

    assert "€1,234.50" in english and "€1,493.75" in english
    assert "€\xa01.234,50" in dutch and "€\xa01.493,75" in dutch


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lines-0-quantity": "-1"}, "Enter a whole number from 1 to 100000."),
        ({"lines-0-quantity": "1,5"}, "Enter a whole number from 1 to 100000."),
        ({"lines-0-description": ""}, "Describe what this line is for."),
        ({"lines-1-unit_price": "-50"}, "Enter a price of zero or more"),
        ({"lines-1-unit_price": "veel"}, "Enter a price of zero or more"),
        ({"invoice_date": "2026-02-30"}, "Enter the invoice date as a valid date."),
        ({"invoice_date": ""}, "Enter the invoice date as a valid date."),
        ({"invoice_date": "1999-12-31"}, "Choose an invoice date from 2000 until a month from today."),
        ({"period_start": "2026-03-31", "period_end": "2026-03-01"}, "The period must end on or after its start."),
        ({"period_start": "2026-03-01"}, "Enter both dates of the period, or neither."),
        ({"practice_id": "999"}, "Not a valid choice."),
        ({"practice_id": ""}, "Choose a practice."),
    ],
)
def test_it_refuses_bad_invoices_with_a_message_and_stores_nothing(app, world, operator, fields, message):
    pid = with_details(app)

    response = operator.post("/platform/invoices/new", invoice_form(pid, **fields))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app, Invoice) == 0 and stored(app, InvoiceLine) == 0


def test_it_refuses_an_invoice_without_lines(app, world, operator):
    pid = with_details(app)
    data = {k: v for k, v in invoice_form(pid).items() if not k.startswith("lines-")}

    response = operator.post("/platform/invoices/new", data)

    assert response.status_code == 422 and "Fill in at least one line." in response.get_data(as_text=True)
    assert stored(app, Invoice) == 0


def test_it_asks_for_billing_details_before_invoicing_a_practice(app, world, operator):
    response = operator.post("/platform/invoices/new", invoice_form(practice_id(app)))

    assert response.status_code == 422
    assert "Enter the practice&#39;s billing details before invoicing it." in response.get_data(as_text=True)
    assert stored(app, Invoice) == 0


def test_it_adds_a_line_row_in_place(app, world, operator):
    pid = with_details(app)
    page = operator.get("/platform/invoices/new").get_data(as_text=True)
    assert "lines-2-description" in page and "lines-3-description" not in page

    fragment = operator.htmx("POST", "/platform/invoices/new", {**invoice_form(pid), "add_line": "1"})

    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert 'id="lines-3-description"' in body and 'value="Extra coachplaatsen"' in body
    assert stored(app, Invoice) == 0


def test_it_sends_htmx_to_the_new_invoice(app, world, operator):
    pid = with_details(app)
    response = operator.htmx("POST", "/platform/invoices/new", invoice_form(pid))

    assert response.status_code == 204
    with app.app_context():
        invoice_id = db.session.scalar(sa.select(Invoice.id))
    assert response.headers["HX-Redirect"] == f"/platform/invoices/{invoice_id}"


def test_it_invoices_whole_months_of_the_practice_subscription(app, world, operator):
    pid = with_details(app)
    with app.test_request_context():
        admin = db.session.scalar(sa.select(Operator))
        console.add_subscription(admin, pid, "Praktijk", 4_900, date(2026, 1, 1), None)
    form = operator.get(f"/platform/invoices/new/subscription?practice={pid}").get_data(as_text=True)
    assert f'value="{today().replace(day=1).isoformat()}"' in form  # this month is offered
    assert f'<option selected value="{pid}">' in form
    data = {"practice_id": str(pid), "period_start": "2026-01-01", "period_end": "2026-03-31",
            "invoice_date": today().isoformat()}

    response = operator.post("/platform/invoices/new/subscription", data)

    assert response.status_code == 303, response.get_data(as_text=True)
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Subscription Praktijk, Jan 1, 2026 to Mar 31, 2026" in page
    with app.app_context():
        invoice = db.session.scalar(sa.select(Invoice))
        assert (invoice.kind, invoice.period_start, invoice.period_end) == ("subscription", date(2026, 1, 1), date(2026, 3, 31))
        assert [(line.quantity, line.unit_price_cents) for line in invoice.lines] == [(3, 4_900)]
        assert invoice.subtotal_cents == 14_700 and invoice.vat_cents == 3_087


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (("2026-01-02", "2026-01-31"), "A subscription period runs from the first day of a month"),
        (("2025-12-01", "2025-12-31"), "no subscription that runs from the start of this period"),
        (("2026-05-01", "2026-07-31"), "The subscription ends on"),
        (("2026-02-30", "2026-03-31"), "Enter the first day as a valid date."),
    ],
)
def test_it_refuses_a_subscription_period_it_cannot_invoice(app, world, operator, period, message):
    pid = with_details(app)
    with app.test_request_context():
        admin = db.session.scalar(sa.select(Operator))
        console.add_subscription(admin, pid, "Praktijk", 4_900, date(2026, 1, 1), date(2026, 6, 30))
    data = {"practice_id": str(pid), "period_start": period[0], "period_end": period[1], "invoice_date": today().isoformat()}

    response = operator.post("/platform/invoices/new/subscription", data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app, Invoice) == 0


# --- the list ----------------------------------------------------------------------------------


def test_it_lists_invoices_filtered_by_practice_status_and_year(app, world, operator):
    with_details(app)
    with_details(app, "praktijk-twee")
    first = issued(app, on=date(2025, 12, 31))
    second = issued(app)
    with app.test_request_context():
        billing.mark_paid(db.session.get(Invoice, first.id), date(2026, 1, 10))
        practice = db.session.scalar(sa.select(Practice).where(Practice.slug == "praktijk-twee"))
        third = billing.create_invoice(practice, [LineInput("Set-up", 1, 100)], today()).number

    everything = operator.get("/platform/invoices/").get_data(as_text=True)
    assert first.number in everything and second.number in everything and third in everything
    assert "2 invoices unpaid, together €303.71 including VAT." in everything  # 302.50 + 1.21, VAT included
    unpaid = operator.get("/platform/invoices/?status=unpaid").get_data(as_text=True)
    assert first.number not in unpaid and second.number in unpaid
    of_two = operator.get(f"/platform/invoices/?practice={practice_id(app, 'praktijk-twee')}").get_data(as_text=True)
    assert third in of_two and second.number not in of_two
    of_2025 = operator.htmx("GET", "/platform/invoices/?year=2025")
    body = of_2025.get_data(as_text=True)
    assert "<html" not in body and first.number in body and second.number not in body
    assert operator.get("/platform/invoices/?year=abc&practice=-1&status=%00").status_code == 200


# --- paying and crediting -------------------------------------------------------------------------


def test_it_marks_an_invoice_paid_and_unpaid(app, world, operator):
    with_details(app)
    invoice = issued(app, on=today() - timedelta(days=10))

    response = operator.post(f"/platform/invoices/{invoice.id}/paid", {"paid_on": today().isoformat()})

    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Invoice, invoice.id).paid_on == today()
    assert "Paid on" in operator.get(f"/platform/invoices/{invoice.id}").get_data(as_text=True)
    assert operator.post(f"/platform/invoices/{invoice.id}/unpaid").status_code == 303
    with app.app_context():
        assert db.session.get(Invoice, invoice.id).paid_on is None
    assert console_actions(app)[-2:] == ["invoice.paid", "invoice.unpaid"]


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [("", "Enter the payment date as a valid date."), ("2026-13-01", "Enter the payment date as a valid date."),
     ("tomorrow", "Enter the payment date as a valid date."), ("future", "A payment date cannot be in the future."),
     ("before", "An invoice cannot be paid before its date.")],
)
def test_it_refuses_a_bad_payment_date(app, world, operator, paid_on, message):
    with_details(app)
    invoice = issued(app)
    value = {"future": (today() + timedelta(days=1)).isoformat(), "before": (today() - timedelta(days=1)).isoformat()}

    response = operator.post(f"/platform/invoices/{invoice.id}/paid", {"paid_on": value.get(paid_on, paid_on)})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invoice, invoice.id).paid_on is None


def test_it_cancels_an_invoice_with_a_credit_invoice_once(app, world, operator):
    with_details(app)
    invoice = issued(app, [LineInput("Seats", 2, 1_000)])

    response = operator.post(f"/platform/invoices/{invoice.id}/credit", {"invoice_date": today().isoformat()})

    assert response.status_code == 303
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Credit invoice {today().year}-0002" in page
    assert "-€24.20" in page
    original = operator.get(f"/platform/invoices/{invoice.id}").get_data(as_text=True)
    assert f"{today().year}-0002" in original
    again = operator.post(f"/platform/invoices/{invoice.id}/credit", {"invoice_date": today().isoformat()})
    assert again.status_code == 422
    assert stored(app, Invoice) == 2


def test_it_answers_404_for_an_unknown_invoice(app, world, operator):
    assert operator.get("/platform/invoices/999").status_code == 404
    assert operator.post("/platform/invoices/999/paid", {"paid_on": today().isoformat()}).status_code == 404
    assert operator.post("/platform/invoices/999/credit", {"invoice_date": today().isoformat()}).status_code == 404


# --- who gets in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "alice", "carol", "eve"])
def test_it_never_shows_an_invoice_to_people_of_a_practice(app, world, as_persona, persona):
    with_details(app)
    invoice = issued(app)
    visitor = as_persona(persona)

    for url in ("/platform/invoices/", f"/platform/invoices/{invoice.id}", "/platform/invoices/billing-details"):
        response = visitor.get(url)
        assert response.status_code == 404
        assert invoice.number not in response.get_data(as_text=True)
    paid = visitor.post(f"/platform/invoices/{invoice.id}/paid", {"paid_on": today().isoformat()})
    assert paid.status_code == 404
    with app.app_context():
        assert db.session.get(Invoice, invoice.id).paid_on is None


def test_it_sends_anonymous_visitors_to_the_console_sign_in(app, world, visitor):
    with_details(app)
    invoice = issued(app)

    response = visitor.get(f"/platform/invoices/{invoice.id}")

    assert response.status_code == 302 and "/platform/login" in response.headers["Location"]
    assert visitor.post(f"/platform/invoices/{invoice.id}/credit", {"invoice_date": today().isoformat()}).status_code == 302
    assert stored(app, Invoice) == 1


# --- nonsense, as the operator ------------------------------------------------------------------


def test_it_never_fails_with_a_500_on_nonsense_from_the_operator(app, world, operator):
    from flask import url_for

    from tests.route_access import billing as declared
    from tests.test_bad_input import FIELDS, NONSENSE

    ids = declared.setup(app, world)
    extra = ["practice_id", "invoice_date", "period_start", "period_end", "paid_on", "name", "address", "postcode",
             "city", "country", "vat_number", "lines-0-description", "lines-0-quantity", "lines-0-unit_price",
             "lines-99-quantity", "add_line"]
    failures = []
    for route in declared.ROUTES:
        with app.test_request_context():
            url = url_for(route.endpoint, **route.values(ids))
        for junk in NONSENSE:
            if route.method == "GET":
                response = operator.get(url, query_string={"practice": junk, "status": junk, "year": junk, "page": junk})
                responses = [response]
            else:
                data = {field: junk for field in [*FIELDS, *extra]}
                responses = [operator.post(url, data), operator.htmx("POST", url, data)]
            # mark_unpaid takes no input: it simply does its work (303).
            allowed = {200, 303, 422} if route.endpoint == "console.billing.mark_unpaid" else {200, 422}
            for response in responses:
                if response.status_code >= 500 or (route.method == "POST" and response.status_code not in allowed):
                    failures.append(f"{route.method} {url} with {junk[:12]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1
        assert db.session.get(Invoice, ids["invoice"]).paid_on is None
