"""In Chromium at phone width: the admin fills in the privacy page, a visitor reads it, a client sees her access log."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser


def test_it_fills_in_and_shows_the_privacy_page_and_logs_on_a_phone(browser, live_server, world):
    problems: list[str] = []
    phone = {"locale": "en-GB", "viewport": {"width": 375, "height": 740}, "is_mobile": True}

    admin = browser.new_context(**phone).new_page()
    watch_console(admin, problems, ("422",))
    sign_in(admin, live_server, "admin@een.test")
    admin.get_by_role("navigation").get_by_role("link", name="Privacy", exact=True).click()
    admin.wait_for_url(f"**/{ONE}/privacy/settings")
    admin.get_by_label("Legal name of the practice").fill("Loopbaanpraktijk Een B.V.")
    admin.get_by_label("Address", exact=True).fill("Oudegracht 1\n3511 AA Utrecht")
    admin.get_by_label("Contact e-mail address of the practice").fill("info@een.test")
    admin.get_by_label("Name of the privacy officer").fill("Petra Privacy")
    admin.get_by_label("E-mail address of the privacy officer").fill("privacy@een.test")
    admin.get_by_label("Keep a client's dossier after their programme ends for (months)").fill("18")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Save privacy settings").click()
    assert "The privacy settings have been saved." in admin.locator(".flashes").inner_text()

    admin.get_by_text("Add a processor").click()
    admin.get_by_role("button", name="Add processor").click()  # nothing filled in: refused in place
    admin.locator("#new-name-errors").wait_for()
    admin.get_by_label("Name", exact=True).fill("Mailbezorger met een heel erg lange naam Europa B.V.")
    admin.get_by_label("What they do for the practice").fill("Sending the notification e-mails")
    admin.get_by_label("Where the data is processed (optional)").fill("Ireland (EU)")
    admin.get_by_role("button", name="Add processor").click()
    admin.locator(".processor-name").wait_for()
    wait_for_htmx(admin)
    assert "Mailbezorger" in admin.locator(".processor-name").inner_text()
    assert_fits(admin, "the privacy settings")
    screenshot(admin, "privacy-settings-375px")

    client = browser.new_context(**phone).new_page()
    watch_console(client, problems)
    sign_in(client, live_server, "carol@een.test")
    client.goto(f"{live_server}/{ONE}/privacy/mine")
    assert "carol@een.test" in client.locator("#privacy-details").inner_text()
    client.get_by_role("link", name="See the whole overview").click()
    client.wait_for_url(f"**/{ONE}/privacy/access-log")
    assert "You" in client.locator(".access-log").inner_text()
    assert_fits(client, "the access log")
    screenshot(client, "privacy-access-log-375px")

    admin.goto(f"{live_server}/{ONE}/privacy/audit")
    assert "The log verifies" in admin.locator(".chain-status").inner_text()
    admin.get_by_label("Action").select_option("privacy_settings.updated")
    admin.locator("#audit-results").filter(has_text="1 event found").wait_for()
    wait_for_htmx(admin)
    assert "Olga Admin" in admin.locator(".audit-table").inner_text()
    assert "action=privacy_settings.updated" in admin.url  # the search is in the address, to share or reload
    assert_fits(admin, "the audit search")
    screenshot(admin, "privacy-audit-375px")

    visitor = browser.new_context(**phone).new_page()
    watch_console(visitor, problems)
    visitor.goto(f"{live_server}/{ONE}/login")
    visitor.locator("footer").get_by_role("link", name="Privacy statement").click()
    visitor.wait_for_url(f"**/{ONE}/privacy/")
    statement = visitor.locator(".privacy-statement").inner_text()
    assert "Loopbaanpraktijk Een B.V." in statement and "Petra Privacy" in statement
    assert "18 months after the programme ends" in statement and "Mailbezorger" in statement
    assert_fits(visitor, "the privacy page")
    screenshot(visitor, "privacy-statement-375px")

    admin.goto(f"{live_server}/{ONE}/privacy/settings")
    admin.once("dialog", lambda dialog: dialog.accept())  # "Remove this processor from the register?"
    admin.get_by_role("button", name="Remove").click()
    admin.get_by_text("No processors in the register yet.").wait_for()
    visitor.reload()
    assert "Mailbezorger" not in visitor.locator(".privacy-statement").inner_text()

    assert not problems, problems
