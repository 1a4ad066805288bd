"""In Chromium: a coach gives the Big Five, the client answers half on a phone, leaves, comes back, finishes.

The coach works on a desktop; the client on a 375 px phone, in two separate browser contexts (two
visits: the second one starts without cookies). Both end on the result page: a chart and the five
scale scores, equal to what the scoring code computes for the answers clicked.
"""
from __future__ import annotations

import re

import pytest

from app.assessments.chart import format_score
from app.assessments.instruments import load_builtin, score
from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser

BIG_FIVE = "ipip-bigfive-50"
PHONE = {"locale": "en-GB", "viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
LABELS = ("Very Inaccurate", "Moderately Inaccurate", "Neither Accurate Nor Inaccurate", "Moderately Accurate",
          "Very Accurate")


def _answer(number: int) -> int:
    """The point clicked for item `number` (1-50): all five points, mixed, so plus and minus keying both matter."""
    return number // 2 % 5 + 1


def _answer_page(page, numbers: range) -> None:
    """Click each item's answer and wait for its own "Saved" state from the server."""
    for number in numbers:
        page.locator(f"#q-{number}").get_by_label(LABELS[_answer(number) - 1], exact=True).check()
        page.locator(f"#state-{number}.is-saved").wait_for()
    wait_for_htmx(page)


def _next_page(page, number: int) -> None:
    page.get_by_role("button", name="Save and go to the next page").click()
    page.wait_for_url(f"**/pages/{number}")
    wait_for_htmx(page)


def _phone_visit(browser, live_server, problems: list[str]):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watch_console(page, problems)
    sign_in(page, live_server, "carol@een.test")
    return context, page


def _open_questionnaire(page, title: str) -> None:
    """From the menu to the client's questionnaires; it opens at the first page with an unanswered item."""
    page.get_by_role("navigation").get_by_role("link", name="Assessments", exact=True).click()
    page.get_by_role("heading", name="Assessments", level=1).wait_for()
    assert_fits(page, "the client's questionnaires")
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r".*/assessments/\d+/pages/\d+$"))
    wait_for_htmx(page)


def _scores_in_table(page) -> dict[str, str]:
    rows = page.locator("table.scores tbody tr")
    return {rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).locator("td").first.inner_text().strip()
            for i in range(rows.count())}


def _scores_in_chart(page) -> dict[str, str]:
    """Each bar's tooltip ("Score: 15"), in scale order, next to the scale names the chart prints."""
    chart = page.locator("svg[role=img]")
    chart.wait_for()
    values = [title.split(": ")[-1] for title in chart.locator("rect > title").all_text_contents()]
    names = chart.locator(":scope > text").all_text_contents()
    return dict(zip([name for name in names if name not in values], values, strict=True))


def test_a_coach_gives_the_big_five_the_client_answers_half_on_a_phone_returns_and_both_see_the_scores(
    browser, live_server, world
):
    instrument = load_builtin(BIG_FIVE)
    title = instrument.title["en"]
    items = instrument.items
    assert len(items) == 50
    scores = score(instrument, {item.id: _answer(n) for n, item in enumerate(items, start=1)})
    expected = {scale.name["en"]: format_score(scores[scale.id]) for scale in instrument.scales}
    # The pattern is one where a swapped scale or a missed reverse key would show: five different scores,
    # each different from the plain sum of the points clicked.
    plain = {scale.id: sum(_answer(n) for n, item in enumerate(items, start=1) if item.scale == scale.id)
             for scale in instrument.scales}
    assert {_answer(n) for n in range(1, 51)} == {1, 2, 3, 4, 5}
    assert len(set(scores.values())) == 5 and all(scores[key] != plain[key] for key in scores), (scores, plain)
    problems: list[str] = []

    # The coach gives the questionnaire from carol's dossier.
    desk = browser.new_context(locale="en-GB")
    coach = desk.new_page()
    watch_console(coach, problems)
    sign_in(coach, live_server, "alice@een.test")
    coach.goto(f"{live_server}/{ONE}/clients/{world.ids['carol']}")
    section = coach.locator("#section-assessments")
    section.get_by_label("Questionnaire").select_option(BIG_FIVE)
    with coach.expect_navigation():
        section.get_by_role("button", name="Give questionnaire").click()
    given = coach.locator("#section-assessments").get_by_role("link", name=title)
    given.wait_for()
    assignment_url = given.get_attribute("href")
    assert re.fullmatch(rf"/{ONE}/assessments/\d+", assignment_url or ""), assignment_url
    wait_for_htmx(coach)

    # First visit on the phone: pages 1 and 2, and half of page 3; then carol leaves.
    phone, page = _phone_visit(browser, live_server, problems)
    _open_questionnaire(page, title)
    assert page.url.endswith(f"{assignment_url}/pages/1")
    _answer_page(page, range(1, 11))
    assert_fits(page, "page 1 of the questionnaire")
    screenshot(page, "assessment-flow-page-1-375px")
    _next_page(page, 2)
    _answer_page(page, range(11, 21))
    assert_fits(page, "page 2 of the questionnaire")
    _next_page(page, 3)
    _answer_page(page, range(21, 26))
    assert_fits(page, "page 3 of the questionnaire, half answered")
    phone.close()

    # Second visit, a new context: it resumes on page 3 with items 21-25 still chosen.
    phone, page = _phone_visit(browser, live_server, problems)
    _open_questionnaire(page, title)
    assert page.url.endswith(f"{assignment_url}/pages/3")
    page.get_by_text("25 of 50 items answered").wait_for()
    for number in range(21, 31):
        chosen = page.locator(f"#q-{number}").get_by_label(LABELS[_answer(number) - 1], exact=True)
        assert chosen.is_checked() == (number <= 25), number
    assert page.locator("#q-26 input:checked").count() == 0
    page.get_by_role("navigation", name="Pages of the questionnaire").get_by_role("link", name="1", exact=True).click()
    page.wait_for_url(f"**{assignment_url}/pages/1")
    for number in range(1, 11):
        assert page.locator(f"#q-{number}").get_by_label(LABELS[_answer(number) - 1], exact=True).is_checked(), number
    page.get_by_role("navigation", name="Pages of the questionnaire").get_by_role("link", name="3", exact=True).click()
    page.wait_for_url(f"**{assignment_url}/pages/3")
    wait_for_htmx(page)
    assert_fits(page, "page 3 of the questionnaire, resumed")
    screenshot(page, "assessment-flow-resumed-375px")
    _answer_page(page, range(26, 31))
    for number in (4, 5):
        _next_page(page, number)
        _answer_page(page, range(number * 10 - 9, number * 10 + 1))
        assert_fits(page, f"page {number} of the questionnaire")
    with page.expect_navigation(url=f"**{assignment_url}"):
        page.get_by_role("button", name="Submit").click()
    assert _scores_in_chart(page) == expected
    assert _scores_in_table(page) == expected
    assert_fits(page, "the result")
    screenshot(page, "assessment-flow-result-375px")
    phone.close()

    # The coach reloads the result on the desktop: the same scores and chart.
    coach.goto(f"{live_server}{assignment_url}")
    assert _scores_in_chart(coach) == expected
    assert _scores_in_table(coach) == expected
    screenshot(coach, "assessment-flow-result-coach")
    desk.close()
    assert problems == []
