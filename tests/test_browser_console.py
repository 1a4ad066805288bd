"""In Chromium: an operator ends a subscription on a phone; the practice's people then see it read-only."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser import assert_fits, screenshot, sign_in, watch_console
from tests.conftest import ONE
from tests.route_access.console import OPERATOR_EMAIL, OPERATOR_PASSWORD, make_operator

pytestmark = pytest.mark.browser


def test_it_lets_an_operator_end_a_subscription_and_the_client_sees_the_practice_read_only(browser, app, live_server, world):
    make_operator(app)
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    ops = phone.new_page()
    watch_console(ops, problems)
    ops.goto(f"{live_server}/platform/")
    ops.get_by_label("E-mail address").fill(OPERATOR_EMAIL)
    ops.get_by_label("Password").fill(OPERATOR_PASSWORD)
    with ops.expect_navigation():
        ops.get_by_role("button", name="Sign in").click()
    assert_fits(ops, "the practice list")
    ops.get_by_role("link", name="Praktijk Een").click()
    ops.get_by_label("Plan").fill("Basis")
    ops.get_by_label("Price per month (euros, excluding VAT)").fill("49.50")
    ops.get_by_label("Starts on").fill("2025-01-01")
    ops.get_by_role("button", name="Add the subscription").click()
    ops.wait_for_load_state()
    assert "The subscription has been added." in ops.locator(".flashes").inner_text()
    yesterday = date.today() - timedelta(days=1)
    ops.locator("#ends_on").first.fill(yesterday.isoformat())
    ops.get_by_role("button", name="Save the end date").click()
    ops.wait_for_load_state()
    assert "Subscription ended (read-only)" in ops.locator(".console-facts").inner_text()
    assert_fits(ops, "the practice page")
    screenshot(ops, "console-practice-375px")

    client = phone.new_page()
    watch_console(client, problems)
    sign_in(client, live_server, "carol@een.test")
    client.goto(f"{live_server}/{ONE}/journal/")
    banner = client.locator(".read-only-banner").inner_text()
    erased = yesterday.replace(year=yesterday.year + 2) if (yesterday.month, yesterday.day) != (2, 29) else date(yesterday.year + 2, 2, 28)
    assert f"{erased.year}" in banner and "nothing can be added or changed" in banner
    assert_fits(client, "the journal with the read-only banner")
    screenshot(client, "read-only-banner-375px")
    assert not problems, problems
