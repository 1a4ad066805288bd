"""Exercises in Chromium: the builder without reloads, autosave, conflicts and failed saves."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.exercises import builder, services
from app.extensions import db
from app.tenancy.context import use_practice
from tests.browser import screenshot, sign_in, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser


@pytest.fixture
def assignment(app, world) -> dict[str, int]:
    """An exercise with a long text and a scale question, given by alice to carol."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        exercise = builder.create_exercise(alice, "Terugblik", "Kijk terug op je week.")
        text = builder.add_question(alice, exercise, MultiDict({"kind": "long_text", "prompt": "Wat ging goed?"}))
        scale = builder.add_question(
            alice, exercise, MultiDict({"kind": "scale", "prompt": "Hoe voel je je?", "scale_min": "1", "scale_max": "5"})
        )
        given = services.assign_exercise(alice, carol, exercise.id)
        db.session.commit()
        return {"exercise": exercise.id, "assignment": given.id, "text": text.id, "scale": scale.id}


def test_it_saves_answers_as_the_client_types_and_shows_them_after_a_reload(browser, live_server, assignment):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    watch_console(page, problems, ("Failed to load resource", "htmx:", "Response Status Error Code"))
    sign_in(page, live_server, "carol@een.test")
    page.goto(f"{live_server}/{ONE}/exercises/assignments/{assignment['assignment']}")

    page.get_by_label("Wat ging goed?").fill("Ik heb mijn cv afgemaakt.")
    # The class, not the text: "Not saved yet…" contains "saved" too.
    page.locator(f"#state-{assignment['text']}.is-saved").wait_for()
    page.get_by_label("4", exact=True).check()
    page.locator(f"#state-{assignment['scale']}.is-saved").wait_for()

    page.reload()
    assert page.get_by_label("Wat ging goed?").input_value() == "Ik heb mijn cv afgemaakt."
    assert page.get_by_label("4", exact=True).is_checked()
    screenshot(page, "exercise-answered")

    page.get_by_role("button", name="Hand in").click()
    page.wait_for_url("**/assignments/*")
    assert "Your answers are locked" in page.locator("main").inner_text()
    assert problems == []
    context.close()


def test_it_tells_the_stale_tab_that_its_save_replaced_the_other_tabs_text(browser, live_server, assignment):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB")
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        watch_console(page, problems, ("Failed to load resource", "htmx:", "Response Status Error Code"))
    sign_in(first, live_server, "carol@een.test")
    url = f"{live_server}/{ONE}/exercises/assignments/{assignment['assignment']}"
    first.goto(url)
    second.goto(url)

    first.get_by_label("Wat ging goed?").fill("Uit het eerste venster")
    first.locator(f"#state-{assignment['text']}.is-saved").wait_for()
    second.get_by_label("Wat ging goed?").fill("Uit het tweede venster")
    warning = second.locator(f"#state-{assignment['text']}.is-conflict")
    warning.wait_for()
    assert "changed in another window" in warning.inner_text()
    screenshot(second, "exercise-conflict")

    # The stale tab carries the new revision now: its next save is an ordinary one.
    second.get_by_label("Wat ging goed?").fill("Uit het tweede venster, verder")
    second.locator(f"#state-{assignment['text']}.is-saved").wait_for()
    first.reload()
    assert first.get_by_label("Wat ging goed?").input_value() == "Uit het tweede venster, verder"
    assert problems == []
    context.close()


def test_it_says_so_when_a_save_fails_offline_or_signed_out(browser, live_server, assignment):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    watch_console(page, problems, ("Failed to load resource", "htmx:", "Response Status Error Code"))
    sign_in(page, live_server, "carol@een.test")
    page.goto(f"{live_server}/{ONE}/exercises/assignments/{assignment['assignment']}")
    state = page.locator(f"#state-{assignment['text']}")

    context.set_offline(True)
    page.get_by_label("Wat ging goed?").fill("Zonder verbinding")
    page.locator(f"#state-{assignment['text']}.save-failed").wait_for()
    assert "the connection was lost" in state.inner_text()
    screenshot(page, "exercise-offline")
    context.set_offline(False)

    # Signed out in another tab: the save is redirected to the sign-in page, and nothing is saved.
    other = context.new_page()
    other.goto(f"{live_server}/{ONE}/exercises/mine")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login")
    page.get_by_label("Wat ging goed?").fill("Na het uitloggen")
    page.get_by_text("you are no longer signed in").wait_for()
    assert page.get_by_label("Wat ging goed?").input_value() == "Na het uitloggen", "the text stays where it was typed"
    assert problems == []
    context.close()


def test_it_builds_questions_without_reloading_the_page(browser, live_server, assignment):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    watch_console(page, problems, ("Failed to load resource", "htmx:", "Response Status Error Code"))
    sign_in(page, live_server, "alice@een.test")
    page.goto(f"{live_server}/{ONE}/exercises/{assignment['exercise']}")
    # A reload would drop the marker: htmx swaps only the questions.
    page.evaluate("document.body.dataset.marker = 'same page'")

    form = page.locator("form.add-question")
    form.get_by_label("Kind of question").select_option("single_choice")
    form.get_by_label("Question", exact=True).fill("Welke dag werk je het liefst?")
    form.get_by_label("Options, one per line").fill("Maandag\nVrijdag")
    form.get_by_role("button", name="Add question").click()
    page.locator(".question-item", has_text="Welke dag").wait_for()

    form.get_by_role("button", name="Add question").click()  # without a question text
    page.locator("form.add-question .errors", has_text="Enter the question.").wait_for()

    page.locator(".question-item", has_text="Welke dag").get_by_role("button", name="Move up").click()
    # A function, not a bare expression: Playwright evaluates bare expressions with eval, which the CSP forbids.
    page.wait_for_function(
        "() => document.querySelector('.question-list li .prompt').textContent.includes('Hoe voel') === false"
        " && document.querySelectorAll('.question-list > li')[1].textContent.includes('Welke dag')"
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".question-item", has_text="Welke dag").get_by_role("button", name="Remove").click()
    page.locator(".question-item", has_text="Welke dag").wait_for(state="detached")
    assert page.evaluate("document.body.dataset.marker") == "same page"
    screenshot(page, "exercise-builder")
    assert problems == []
    context.close()
