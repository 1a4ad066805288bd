"""In Chromium: the operator issues an invoice on a phone, adding a line in place, and prints it without the menu."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, wait_for_htmx, watch_console
from tests.route_access.console import OPERATOR_EMAIL, OPERATOR_PASSWORD, make_operator
from tests.test_billing_pages import with_details

pytestmark = pytest.mark.browser


def test_it_issues_an_invoice_on_a_phone_and_prints_it_without_the_menu(app, browser, live_server, world):
    make_operator(app)
    with_details(app)
    app.config.update(OPERATOR_NAME="Koers Hosting", OPERATOR_IBAN="NL91ABNA0417164300")
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    watch_console(page, problems, ("422",))

    page.goto(f"{live_server}/platform/invoices/new")
    page.get_by_label("E-mail address").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/platform/invoices/new")

    page.get_by_label("Practice").select_option(label="Praktijk Een (praktijk-een)")
    page.locator("#lines-0-description").fill("Extra coach seats")
    page.locator("#lines-0-quantity").fill("-2")
    page.locator("#lines-0-unit_price").fill("19,99")
    page.get_by_role("button", name="Issue invoice").click()
    page.locator("#lines-0-quantity-errors").wait_for()
    assert "Enter a whole number from 1 to 100000." in page.locator("#lines-0-quantity-errors").inner_text()
    page.locator("#lines-0-quantity").fill("2")
    page.get_by_role("button", name="Add a line").click()
    wait_for_htmx(page)
    for _ in range(2):  # three rows to start with, the fourth added in place
        page.get_by_role("button", name="Add a line").click()
        wait_for_htmx(page)
    page.locator("#lines-4-description").fill("Set-up")
    page.locator("#lines-4-quantity").fill("1")
    page.locator("#lines-4-unit_price").fill("50")
    assert page.locator("#lines-0-description").input_value() == "Extra coach seats"
    assert_fits(page, "the new invoice form")
    page.get_by_role("button", name="Issue invoice").click()
    page.wait_for_url("**/platform/invoices/1")

    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Invoice ")
    # 2 × 19.99 + 50 = 89.98; VAT 21% = 18.8958 → 18.90; total 108.88.
    assert "€108.88" in page.locator(".invoice-total").inner_text()
    assert_fits(page, "the invoice")
    screenshot(page, "billing-invoice-375px")

    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Mark as paid").is_visible()
    assert page.locator(".invoice-total").is_visible() and "NL91ABNA0417164300" in page.locator(".invoice").inner_text()
    page.emulate_media(media="screen")
    phone_state = phone.storage_state()

    page.get_by_role("button", name="Mark as paid").click()
    page.get_by_text("Paid on", exact=False).first.wait_for()
    assert page.get_by_role("button", name="Mark as unpaid").is_visible()
    page.get_by_role("link", name="Invoices", exact=True).first.click()
    page.wait_for_url("**/platform/invoices/")
    assert "Paid on" in page.locator("#invoices").inner_text()
    assert_fits(page, "the invoice list")
    screenshot(page, "billing-invoices-375px")
    assert not problems, problems
    phone.close()

    desk = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900}, storage_state=phone_state)
    printed = desk.new_page()
    printed.goto(f"{live_server}/platform/invoices/1")
    printed.emulate_media(media="print")
    screenshot(printed, "billing-invoice-print")
    desk.close()
