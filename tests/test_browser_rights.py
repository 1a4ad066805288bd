"""In Chromium: a client asks on a phone, the practice admin handles it at a desk, the client reads the answer."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser


def test_it_lets_a_client_ask_on_a_phone_and_read_the_refusal_the_admin_wrote(browser, live_server, world):
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    client = phone.new_page()
    watch_console(client, problems, ("422",))
    sign_in(client, live_server, "carol@een.test")
    client.goto(f"{live_server}/{ONE}/requests/new")
    assert_fits(client, "the request form")
    client.get_by_role("button", name="Send request").click()
    client.wait_for_load_state()
    assert "Choose what you want to ask." in client.locator(".errors").inner_text()
    client.get_by_label("A copy of my data (export)").check()
    client.get_by_label("Anything you want to add (optional)").fill("Also my questionnaire results, please")
    client.get_by_role("button", name="Send request").click()
    client.wait_for_url(f"**/{ONE}/requests/mine")
    assert "A copy of my data (export)" in client.locator("#my-requests").inner_text()
    assert_fits(client, "my requests")
    screenshot(client, "rights-mine-375px")

    desk = browser.new_context(locale="en-GB")
    admin = desk.new_page()
    watch_console(admin, problems, ("422",))
    sign_in(admin, live_server, "admin@een.test")
    assert "A copy of my data (export)" in admin.locator("#requests-overview").inner_text()
    admin.get_by_role("link", name="Requests", exact=True).click()
    admin.get_by_role("link", name="Closed").click()
    wait_for_htmx(admin)
    assert "No closed requests." in admin.locator("#request-list").inner_text()
    admin.get_by_role("link", name="Open").click()
    wait_for_htmx(admin)
    admin.locator("#request-list").get_by_role("link", name="Carol").click()
    assert "Also my questionnaire results" in admin.locator(".facts").inner_text()
    admin.get_by_text("Refuse the request").click()
    admin.get_by_label("Reason for the refusal").fill("We already sent you the file by post.")
    admin.get_by_role("button", name="Refuse", exact=True).click()
    admin.wait_for_load_state()
    assert "The request is now: Refused." in admin.locator(".flashes").inner_text()

    client.reload()
    assert "We already sent you the file by post." in client.locator("#my-requests").inner_text()
    assert_fits(client, "a refused request")

    admin.set_viewport_size({"width": 375, "height": 740})
    for path in ("/requests/", "/requests/register", f"/requests/erase/{world.ids['carol']}", "/admin/people/"):
        admin.goto(f"{live_server}/{ONE}{path}")
        assert_fits(admin, path)
    assert problems == []
    phone.close()
    desk.close()
