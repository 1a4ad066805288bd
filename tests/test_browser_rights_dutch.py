"""In Chromium, in Dutch: a client asks to be erased on a phone, the practice admin erases her at a desk."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, watch_console
from tests.conftest import ONE, PASSWORD

pytestmark = pytest.mark.browser


def sign_in_dutch(page, base: str, email: str) -> None:
    """Sign in on the sign-in page as a Dutch browser shows it."""
    page.goto(f"{base}/{ONE}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()


def test_it_lets_a_client_ask_for_erasure_and_the_admin_erase_her_in_dutch(browser, live_server, world):
    problems: list[str] = []
    phone = browser.new_context(locale="nl-NL", viewport={"width": 375, "height": 740}, is_mobile=True)
    client = phone.new_page()
    watch_console(client, problems, ("422",))
    sign_in_dutch(client, live_server, "carol@een.test")
    client.get_by_role("link", name="Mijn privacy").first.click()
    client.wait_for_load_state()
    assert_fits(client, "Mijn privacy")
    client.goto(f"{live_server}/{ONE}/requests/new")
    assert "Een verzoek doen over je gegevens" in client.locator("h1").inner_text()
    client.get_by_label("Verwijdering van mijn gegevens").check()
    client.get_by_role("button", name="Verzoek versturen").click()
    client.wait_for_url(f"**/{ONE}/requests/mine")
    assert "Verwijdering van mijn gegevens" in client.locator("#my-requests").inner_text()

    desk = browser.new_context(locale="nl-NL")
    admin = desk.new_page()
    watch_console(admin, problems, ("422",))
    sign_in_dutch(admin, live_server, "admin@een.test")
    admin.get_by_role("link", name="Verzoeken", exact=True).click()
    admin.locator("#request-list").get_by_role("link", name="Carol").click()
    admin.get_by_role("button", name="In behandeling nemen").click()
    admin.wait_for_load_state()
    admin.get_by_role("link", name="Deze cliënt verwijderen").click()
    admin.wait_for_load_state()
    assert "Carol Test verwijderen?" in admin.locator("h1").inner_text()

    confirm = admin.get_by_label("Typ ter bevestiging de volledige naam van de cliënt")
    confirm.fill("Dave Test")
    admin.get_by_role("button", name="Definitief verwijderen").click()
    admin.wait_for_load_state()
    assert "Typ de volledige naam van de cliënt precies zoals getoond" in admin.content()
    screenshot(admin, "rights-erase-wrong-name-nl")

    admin.get_by_label("Typ ter bevestiging de volledige naam van de cliënt").fill("  carol test ")
    admin.get_by_role("button", name="Definitief verwijderen").click()
    admin.wait_for_load_state()
    assert "De cliënt en al diens gegevens zijn verwijderd." in admin.locator(".flashes").inner_text()
    assert "Carol" not in admin.locator("main").inner_text()

    # Her session ended with her account: the next page she opens is the sign-in page.
    client.reload()
    client.wait_for_load_state()
    assert client.get_by_role("button", name="Inloggen").is_visible()
    assert problems == []
    phone.close()
    desk.close()
