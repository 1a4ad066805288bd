"""End to end in Chromium: an admin invites a coach, who accepts from the mail and signs in."""
from __future__ import annotations

import pytest

from tests.browser import screenshot, watch_console
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_it_lets_an_invited_coach_sign_in_and_see_the_coach_page_in_dutch(browser, live_server, mailbox):
    problems: list[str] = []
    admin_context = browser.new_context(locale="nl-NL")
    admin = admin_context.new_page()
    watch_console(admin, problems)

    admin.goto(f"{live_server}/praktijk-een/login")
    admin.get_by_label("E-mailadres").fill("admin@een.test")
    admin.get_by_label("Wachtwoord").fill(PASSWORD)
    admin.get_by_role("button", name="Inloggen").click()
    admin.wait_for_url("**/praktijk-een/admin/people/")

    admin.get_by_label("Voornaam").fill("Femke")
    admin.get_by_label("Achternaam").fill("Visser")
    admin.get_by_label("E-mailadres").fill("femke@een.test")
    admin.get_by_label("Rol").select_option("coach")
    admin.get_by_role("button", name="Uitnodiging versturen").click()
    admin.wait_for_load_state()
    assert "femke@een.test" in admin.locator("#people").inner_text()

    link = mailbox.last_link("femke@een.test")
    assert link.startswith(f"{live_server}/praktijk-een/invitation/")

    coach_context = browser.new_context(locale="nl-NL")
    coach = coach_context.new_page()
    watch_console(coach, problems)
    coach.goto(link)
    coach.get_by_label("Nieuw wachtwoord", exact=True).fill("zeilboot-tulp-regen-42")
    coach.get_by_label("Herhaal het nieuwe wachtwoord").fill("zeilboot-tulp-regen-42")
    coach.get_by_role("button", name="Opslaan en verder").click()
    coach.wait_for_url("**/praktijk-een/coach")

    # Sign out and in again with the chosen password, as the coach will tomorrow.
    coach.get_by_role("button", name="Uitloggen").click()
    coach.wait_for_url("**/praktijk-een/login")
    coach.get_by_label("E-mailadres").fill("femke@een.test")
    coach.get_by_label("Wachtwoord").fill("zeilboot-tulp-regen-42")
    coach.get_by_role("button", name="Inloggen").click()
    coach.wait_for_url("**/praktijk-een/coach")

    assert coach.locator("html").get_attribute("lang") == "nl"
    assert coach.get_by_role("heading", level=1).inner_text() == "Mijn cliënten"
    assert "Welkom, Femke" in coach.locator("main").inner_text()
    screenshot(coach, "coach-page-after-invitation")
    assert problems == []
    admin_context.close()
    coach_context.close()


def test_it_fits_the_sign_in_page_on_a_phone(browser, live_server):
    context = browser.new_context(locale="nl-NL", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/praktijk-een/login")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the sign-in page scrolls sideways at 375 px"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link", "Tab does not reach the skip link first"
    screenshot(page, "sign-in-375px")
    context.close()
