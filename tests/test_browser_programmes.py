"""In Chromium: a coach builds a template with htmx and starts it for a client, who reads it on a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot, sign_in
from tests.conftest import ONE

pytestmark = pytest.mark.browser


def _watch(page, problems: list[str]) -> None:
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))


def test_it_builds_a_template_without_reloads_and_shows_it_locked_step_by_step_on_a_phone(browser, live_server, world):
    problems: list[str] = []
    coach = browser.new_context(locale="en-GB").new_page()
    _watch(coach, problems)
    sign_in(coach, live_server, "alice@een.test")
    coach.goto(f"{live_server}/{ONE}/programmes/templates/")
    coach.get_by_label("Name").fill("Career steps")
    coach.get_by_role("button", name="Create template").click()
    coach.wait_for_load_state()

    # From here on the page must not reload: a marker on window survives htmx swaps only.
    coach.evaluate("window.koersMarker = 'still here'")
    steps = coach.locator("#template-steps")
    steps.get_by_label("Title").fill("Welcome")
    steps.get_by_label("Text").fill("Read this first.\nThen continue.")
    steps.get_by_role("button", name="Add step").click()
    coach.locator(".step-title", has_text="Welcome").wait_for()
    steps = coach.locator("#template-steps")
    steps.get_by_label("Title").fill("Your values")
    steps.get_by_label("Text").fill("Think about what matters.")
    steps.get_by_label("Available", exact=True).select_option("previous")
    steps.get_by_role("button", name="Add step").click()
    coach.locator(".step-title", has_text="Your values").wait_for()
    # A bad step: its message appears next to the field, without a reload.
    coach.locator("#template-steps").get_by_role("button", name="Add step").click()
    coach.get_by_text("Enter a title for the information text.").wait_for()
    coach.get_by_role("button", name="Up Your values").click()
    expect(coach.locator(".step-title").first).to_have_text("Your values")
    coach.get_by_role("button", name="Down Your values").click()
    expect(coach.locator(".step-title").first).to_have_text("Welcome")
    assert coach.evaluate("window.koersMarker") == "still here"

    coach.goto(f"{live_server}/{ONE}/programmes/clients/{world.ids['carol']}/new")
    coach.get_by_label("Template").select_option(label="Career steps")
    coach.get_by_label("Title").fill("Carol's route")
    coach.get_by_label("Status").select_option("active")
    coach.get_by_role("button", name="Start programme").click()
    coach.wait_for_load_state()
    assert coach.locator(".step-title").all_inner_texts() == ["Welcome", "Your values"]
    screenshot(coach, "programme-coach")

    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800}).new_page()
    _watch(phone, problems)
    sign_in(phone, live_server, "carol@een.test")
    phone.get_by_role("link", name="Programme", exact=True).click()
    phone.wait_for_load_state()
    text = phone.locator("#client-programmes").inner_text()
    assert "Available after the previous step." in text and "Think about what matters." not in text
    phone.get_by_role("button", name="Mark as read Welcome").click()
    phone.get_by_text("Think about what matters.").wait_for()
    assert "1 of 2 steps done" in phone.locator("#client-programmes").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways at 375 px"
    screenshot(phone, "programme-client-375")
    # The refused step above answered 422 on purpose; nothing else may go wrong.
    assert not [p for p in problems if "status of 422" not in p], problems
