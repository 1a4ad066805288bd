"""In Chromium at phone width: a client answers a questionnaire, each choice saved as made, and sees her result."""
from __future__ import annotations

import json

import pytest

from app.accounts import services as accounts
from app.assessments import services as assessments
from app.assessments.models import AssessmentAssignment
from app.extensions import db
from app.tenancy.context import use_practice
from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE
from tests.test_assessments import instrument_file

pytestmark = pytest.mark.browser


def test_it_answers_page_by_page_with_autosave_on_a_phone(browser, live_server, app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice, carol = accounts.user_by_id(world.ids["alice"]), accounts.user_by_id(world.ids["carol"])
        assessments.import_instrument(alice, json.dumps(instrument_file()).encode())
        assignment_id = assessments.assign(alice, carol, "werkstijl").id
        db.session.commit()
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    watch_console(page, problems)
    sign_in(page, live_server, "carol@een.test")
    page.get_by_role("navigation").get_by_role("link", name="Assessments", exact=True).click()
    page.get_by_role("link", name="Working style").click()
    page.wait_for_url(f"**/assessments/{assignment_id}/pages/1")
    wait_for_htmx(page)
    for number in range(1, 11):
        page.get_by_role("group", name=f"{number}. Statement {number}").get_by_label("Agree", exact=True).check()
        page.locator(f"#state-{number}.is-saved").wait_for()
    assert_fits(page, "a page of the questionnaire")
    screenshot(page, "assessment-page-375px")
    with app.app_context(), use_practice(world.practices[ONE]):
        assert len(db.session.get(AssessmentAssignment, assignment_id).answers) == 10
    page.get_by_role("button", name="Save and go to the next page").click()
    page.wait_for_url("**/pages/2")
    for number in (11, 12):
        page.get_by_role("group", name=f"{number}. Statement {number}").get_by_label("Neutral", exact=True).check()
        page.locator(f"#state-{number}.is-saved").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"**/assessments/{assignment_id}")
    page.locator("svg.bar-chart").wait_for()
    assert "Koers takes no decision" in page.content()
    assert_fits(page, "the result")
    screenshot(page, "assessment-result-375px")
    assert problems == []
