"""In Chromium at phone width: a client writes to her coach and keeps goals, all without a page reload."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser


def test_it_sends_messages_and_keeps_goals_on_a_phone_and_the_coach_sees_the_count(browser, live_server, world):
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    client = phone.new_page()
    watch_console(client, problems, ("422",))
    sign_in(client, live_server, "carol@een.test")

    client.get_by_role("navigation").get_by_role("link", name="Messages", exact=True).click()
    client.wait_for_url(f"**/{ONE}/messages/me")
    client.get_by_role("button", name="Send").click()
    client.locator("#body-errors").wait_for()
    assert "Write a message before sending it." in client.locator("#body-errors").inner_text()
    long_word = "Sollicitatiebrief" * 12
    client.get_by_label("Your message").fill(f"Hello Alice,\nI wrote my {long_word}.")
    client.get_by_role("button", name="Send").click()
    client.locator(".message-body").wait_for()
    assert "I wrote my" in client.locator(".message-body").inner_text()
    assert client.get_by_label("Your message").input_value() == ""
    assert_fits(client, "the thread")
    screenshot(client, "messages-thread-375px")

    client.get_by_role("link", name="My goals").click()
    client.wait_for_url(f"**/{ONE}/goals/")
    client.get_by_text("Add a goal").click()
    client.get_by_role("button", name="Add goal").click()
    client.locator("#new-title-errors").wait_for()
    client.get_by_label("Goal", exact=True).fill("Find work in care")
    client.get_by_role("button", name="Add goal").click()
    client.locator(".goal-title").wait_for()
    assert client.locator(".goal-title").inner_text() == "Find work in care"
    wait_for_htmx(client)
    client.get_by_label("Status", exact=True).first.select_option("in_progress")
    client.locator(".goal-in_progress").wait_for()
    assert_fits(client, "my goals")
    screenshot(client, "goals-mine-375px")

    desk = browser.new_context(locale="en-GB")
    coach = desk.new_page()
    watch_console(coach, problems, ("422",))
    sign_in(coach, live_server, "alice@een.test")
    badge = coach.locator("nav .badge").filter(has_text="1 unread message")
    badge.wait_for()
    coach.goto(f"{live_server}/{ONE}/clients/{world.ids['carol']}")
    coach.locator("#section-goals .goal-title").wait_for()
    assert "Find work in care" in coach.locator("#section-goals").inner_text()
    assert "1 unread message" in coach.locator("#section-messages").inner_text()
    coach.locator("#section-messages").get_by_role("link", name="Open the conversation").click()
    coach.wait_for_url(f"**/{ONE}/messages/{world.ids['carol']}")
    assert "Hello Alice" in coach.locator(".thread").inner_text()
    assert problems == []
