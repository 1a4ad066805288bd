"""In Chromium: the whole coaching path, a client's exercise on a phone, and the exercise by keyboard.

1. A coach builds an exercise in the browser, gives it to a client as a programme step; the
   client answers with autosave, reloads, hands in; the coach sends feedback; the client sees it.
2. At 375 px every client page fits without sideways scrolling and its controls are touch-sized.
3. The exercise page by keyboard: skip link first, every answer field in order, Enter on a button.
"""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.exercises import builder
from app.exercises import services as exercises
from app.extensions import db
from app.programmes import services as programmes
from app.tenancy.context import use_practice
from tests.browser import screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser

PHONE = {"locale": "en-GB", "viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
TOUCH_MIN = 40  # px: the smallest height a control may have on a phone


def _click_and_load(page, target) -> None:
    """Click a button that posts a form, and wait until the page it leads to has loaded.

    Waiting for an element of the next page is not enough when it has the same address: the
    element can show up while the page is still being parsed, before its stylesheet applies.
    """
    with page.expect_navigation():
        target.click()


def _question(page, prompt: str):
    return page.locator("section.question", has_text=prompt)


def _saved(page, prompt: str) -> None:
    """Wait until this question shows its "saved" state (the class: "Not saved yet…" contains "saved")."""
    _question(page, prompt).locator(".save-state.is-saved").wait_for()
    wait_for_htmx(page)


# --- 1. the whole path -----------------------------------------------------------------------

LONG, SCALE, CHOICE = "What went well this week?", "How confident do you feel?", "Which day suits you best?"


def test_a_coach_builds_an_exercise_gives_it_in_a_programme_reviews_it_and_the_client_sees_the_feedback(
    browser, live_server, world
):
    problems: list[str] = []
    desk = browser.new_context(locale="en-GB")
    coach = desk.new_page()
    watch_console(coach, problems)
    sign_in(coach, live_server, "alice@een.test")

    # Build the exercise: three kinds of question, added without a reload.
    coach.goto(f"{live_server}/{ONE}/exercises/")
    coach.get_by_label("Title").fill("Looking back")
    coach.get_by_label("Instructions").fill("Take ten minutes.\nThere are no wrong answers.")
    _click_and_load(coach, coach.get_by_role("button", name="Create and add questions"))
    coach.get_by_role("heading", name="Looking back", level=1).wait_for()

    def add(kind: str, prompt: str, **extra: str) -> None:
        form = coach.locator("form.add-question")
        form.get_by_label("Kind of question").select_option(kind)
        form.get_by_label("Question", exact=True).fill(prompt)
        for label, value in extra.items():
            form.get_by_label(label, exact=True).fill(value)
        form.get_by_role("button", name="Add question").click()
        coach.locator(".question-item", has_text=prompt).wait_for()
        wait_for_htmx(coach)

    add("long_text", LONG)
    add("scale", SCALE, **{"Lowest value": "1", "Highest value": "5",
                           "Label of the lowest end (optional)": "Not at all", "Label of the highest end (optional)": "Very"})
    add("single_choice", CHOICE, **{"Options, one per line": "Monday\nWednesday\nFriday"})
    assert coach.locator(".question-item .prompt").all_inner_texts() == [LONG, SCALE, CHOICE]
    screenshot(coach, "coaching-builder")

    # Start a programme for carol from her dossier and add the exercise as a step.
    coach.goto(f"{live_server}/{ONE}/clients/{world.ids['carol']}")
    coach.locator("#section-programmes").get_by_role("link", name="Start a programme").click()
    coach.wait_for_url(f"**/programmes/clients/{world.ids['carol']}/new")
    coach.get_by_label("Title").fill("Back to work")
    coach.get_by_label("Status").select_option("active")
    _click_and_load(coach, coach.get_by_role("button", name="Start programme"))
    assert "The programme has been started." in coach.locator(".flashes").inner_text()
    steps = coach.locator("#programme-steps")
    steps.get_by_label("Kind of step").select_option("exercise")
    steps.get_by_label("Exercise", exact=True).select_option(label="Looking back")
    steps.get_by_role("button", name="Add step").click()
    coach.locator("#programme-steps .step-title", has_text="Looking back").wait_for()
    assert "0 of 1 step done" in coach.locator("#programme-steps").inner_text()
    screenshot(coach, "coaching-programme")

    # Carol finds it in her programme and answers; every answer is saved as she goes.
    home = browser.new_context(locale="en-GB")
    client = home.new_page()
    watch_console(client, problems)
    sign_in(client, live_server, "carol@een.test")
    client.get_by_role("link", name="Programme", exact=True).click()
    client.wait_for_url("**/programmes/mine")
    client.get_by_role("link", name="Open the exercise Looking back").click()
    client.wait_for_url("**/exercises/assignments/*")
    exercise_url = client.url
    assert "There are no wrong answers." in client.locator(".instructions").inner_text()

    client.get_by_label(LONG).fill("I finished my CV.\nAnd I called two employers.")
    _saved(client, LONG)
    _question(client, SCALE).get_by_label("4", exact=True).check()
    _saved(client, SCALE)
    _question(client, CHOICE).get_by_label("Wednesday").check()
    _saved(client, CHOICE)

    client.reload()
    assert client.get_by_label(LONG).input_value() == "I finished my CV.\nAnd I called two employers."
    assert _question(client, SCALE).get_by_label("4", exact=True).is_checked()
    assert _question(client, CHOICE).get_by_label("Wednesday").is_checked()
    screenshot(client, "coaching-answered")
    _click_and_load(client, client.get_by_role("button", name="Hand in"))
    assert "You handed in the exercise." in client.locator(".flashes").inner_text()
    assert "Your answers are locked" in client.locator("main").inner_text()

    # Alice reads the answers from the dossier, writes feedback and sends it.
    coach.goto(f"{live_server}/{ONE}/clients/{world.ids['carol']}")
    coach.locator("#section-exercises").get_by_role("link", name="Looking back").click()
    coach.wait_for_url(exercise_url)
    assert "I finished my CV." in _question(coach, LONG).inner_text()
    assert "4 on a scale from 1 to 5" in _question(coach, SCALE).inner_text()
    assert "Wednesday" in _question(coach, CHOICE).inner_text()
    _question(coach, LONG).get_by_label("Your feedback on this answer (optional)").fill("Two calls: well done!")
    coach.get_by_label("Overall feedback (optional)").fill("A good week. Next: the interview.")
    _click_and_load(coach, coach.get_by_role("button", name="Send feedback to the client"))
    assert "Your feedback has been sent to the client." in coach.locator(".flashes").inner_text()
    assert "Feedback given" in coach.locator(".exercise-meta").inner_text()
    screenshot(coach, "coaching-review")

    # Carol reloads her exercise: the feedback sits beside her answer, and overall at the top.
    client.reload()
    assert "Two calls: well done!" in _question(client, LONG).locator(".feedback").inner_text()
    assert "A good week. Next: the interview." in client.locator("section[aria-labelledby=overall-title]").inner_text()
    assert _question(client, SCALE).locator(".feedback").count() == 0
    screenshot(client, "coaching-feedback")
    assert problems == []
    desk.close()
    home.close()


# --- fixtures for the phone and keyboard tests ---------------------------------------------------

EVERY_KIND = [
    ("short_text", "Your dream job in a few words", {}),
    ("long_text", "Describe a day you were proud of", {}),
    ("scale", "How much energy do you have?", {"scale_min": "0", "scale_max": "10", "min_label": "None at all",
                                               "max_label": "More than enough"}),
    ("single_choice", "Where would you like to work?", {"options": "In an office\nOutdoors\nFrom home"}),
    ("multiple_choice", "What helps you focus?", {"options": "Music\nSilence\nA walk first\nCoffee"}),
    ("date", "When do you want to start?", {}),
    ("ranking", "Put these in order of importance", {"options": "Salary\nColleagues\nTravel time"}),
]


@pytest.fixture
def every_kind(app, world) -> dict[str, object]:
    """An exercise with every kind of question, a step of carol's programme (so assigned to her)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        exercise = builder.create_exercise(alice, "Every kind of question", "Answer what you can.")
        for kind, prompt, config in EVERY_KIND:
            builder.add_question(alice, exercise, MultiDict({"kind": kind, "prompt": prompt, **config}))
        programme = programmes.start_programme(
            alice, carol, {"title": "Finding work", "status": "active", "starts_on": programmes.today()}
        )
        programmes.add_step(alice, programme, {"kind": "info", "title": "Welcome", "body": "Read this first.", "unlock": "always"})
        programmes.add_step(alice, programme, {"kind": "exercise", "title": "", "exercise_id": exercise.id, "unlock": "always"})
        db.session.commit()
        (assignment,) = exercises.assignments_for(carol)
        return {"assignment": assignment.id, "programme": programme.id}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# The controls a finger must hit: visible buttons, text fields, selects, the main menu's links,
# and the label around a radio button or checkbox (the box itself is small on every platform).
_SMALL_CONTROLS = """(min) => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 1 && box.height > 1
      && !el.closest('.visually-hidden, [hidden], noscript');
  };
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    if (el.type && el.tagName !== 'BUTTON' && el.tagName !== 'SELECT') text += '[type=' + el.type + ']';
    if (el.className && typeof el.className === 'string') text += '.' + el.className.trim().split(/\\s+/).join('.');
    const label = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30);
    return label ? text + ' "' + label + '"' : text;
  };
  const controls = new Set();
  document.querySelectorAll('button, select, textarea, input:not([type=hidden])').forEach((el) => {
    if (el.type === 'radio' || el.type === 'checkbox') {
      controls.add(el.closest('label') || (el.labels && el.labels[0]) || el);
    } else {
      controls.add(el);
    }
  });
  document.querySelectorAll('nav a').forEach((el) => controls.add(el));
  const small = [];
  controls.forEach((el) => {
    if (!visible(el)) return;
    const height = el.getBoundingClientRect().height;
    if (height < min) small.push(name(el) + ' (' + Math.round(height) + ' px)');
  });
  return small;
}"""


def _check_phone_page(page, what: str, failures: list[str]) -> None:
    overflow = _overflow(page)
    if overflow > 0:
        failures.append(f"{what} scrolls sideways by {overflow} px")
    small = page.evaluate(_SMALL_CONTROLS, TOUCH_MIN)
    if small:
        failures.append(f"{what}: controls under {TOUCH_MIN} px high: " + "; ".join(small))


# --- 2. a client's pages on a phone ---------------------------------------------------------------


def test_a_client_fills_in_every_kind_of_question_at_375_px_and_no_page_scrolls_sideways(
    browser, live_server, every_kind
):
    problems: list[str] = []
    failures: list[str] = []
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    watch_console(page, problems)
    sign_in(page, live_server, "carol@een.test")
    page.wait_for_url(f"**/{ONE}/me")
    _check_phone_page(page, "/me", failures)

    page.goto(f"{live_server}/{ONE}/programmes/mine")
    page.locator("#client-programmes .step-title", has_text="Every kind of question").wait_for()
    _check_phone_page(page, "/programmes/mine", failures)
    page.get_by_role("link", name="Open the exercise Every kind of question").click()
    page.wait_for_url(f"**/exercises/assignments/{every_kind['assignment']}")
    _check_phone_page(page, "the exercise, before answering", failures)

    (short, long_, scale, single, multiple, day, ranking) = (prompt for _kind, prompt, _config in EVERY_KIND)
    page.get_by_label(short).fill("Nurse in a children's ward")
    _saved(page, short)
    page.get_by_label(long_).fill("The day I gave a talk to forty people about my work as a volunteer.")
    _saved(page, long_)
    _question(page, scale).get_by_label("7", exact=True).check()
    _saved(page, scale)
    _question(page, single).get_by_label("Outdoors").check()
    _saved(page, single)
    _question(page, multiple).get_by_label("Silence").check()
    _saved(page, multiple)
    _question(page, multiple).get_by_label("A walk first").check()
    _saved(page, multiple)
    page.get_by_label(day).fill("2027-02-01")
    _saved(page, day)
    _question(page, ranking).get_by_role("button", name="Down : Salary").click()
    _question(page, ranking).locator(".save-state.is-saved").wait_for()
    wait_for_htmx(page)
    assert _question(page, ranking).locator(".rank-option").all_inner_texts() == ["Colleagues", "Salary", "Travel time"]
    _check_phone_page(page, "the exercise, answered", failures)
    screenshot(page, "coaching-exercise-375px")

    # The answers are all there after a reload, and handing in works on a phone too.
    page.reload()
    assert _question(page, multiple).get_by_label("Silence").is_checked()
    assert _question(page, multiple).get_by_label("A walk first").is_checked()
    assert page.get_by_label(day).input_value() == "2027-02-01"
    _click_and_load(page, page.get_by_role("button", name="Hand in"))
    assert "You handed in the exercise." in page.locator(".flashes").inner_text()
    _check_phone_page(page, "the handed-in exercise", failures)
    screenshot(page, "coaching-exercise-handed-in-375px")

    for path in ("/exercises/mine", "/journal/", "/journal/new", "/goals/", "/messages/me", "/documents/mine",
                 "/notifications/", "/account"):
        page.goto(f"{live_server}/{ONE}{path}")
        wait_for_htmx(page)
        _check_phone_page(page, path, failures)
    screenshot(page, "coaching-account-375px")
    assert failures == [], "\n".join(failures)
    assert problems == []
    phone.close()


# --- 3. the exercise by keyboard --------------------------------------------------------------------

# What the focused element is, and which question it belongs to.
_FOCUSED = """() => {
  const el = document.activeElement;
  const section = el && el.closest('section.question');
  const what = !el ? null : el.tagName === 'BUTTON' ? 'button ' + el.textContent.replace(/\\s+/g, ' ').trim()
    : el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : '') + (el.type === 'checkbox' ? ' ' + el.value : '');
  return {what: what, cls: el && typeof el.className === 'string' ? el.className : '',
          question: section ? section.id : null};
}"""

# Every tab stop among the answer fields, in document order: a radio group is one stop (its first
# radio while nothing is chosen), everything else each on its own.
_ANSWER_STOPS = """() => {
  const stops = [];
  const groups = new Set();
  document.querySelectorAll('section.question').forEach((section) => {
    section.querySelectorAll('input:not([type=hidden]), textarea, select, button').forEach((el) => {
      if (el.type === 'radio') {
        if (groups.has(section.id)) return;
        groups.add(section.id);
      }
      const what = el.tagName === 'BUTTON' ? 'button ' + el.textContent.replace(/\\s+/g, ' ').trim()
        : el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : '') + (el.type === 'checkbox' ? ' ' + el.value : '');
      stops.push(section.id + ' ' + what);
    });
  });
  return stops;
}"""


def test_the_exercise_page_works_by_keyboard_from_the_skip_link_to_handing_in(browser, live_server, every_kind):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    watch_console(page, problems)
    sign_in(page, live_server, "carol@een.test")
    page.goto(f"{live_server}/{ONE}/exercises/assignments/{every_kind['assignment']}")
    wait_for_htmx(page)
    expected = page.evaluate(_ANSWER_STOPS)

    page.keyboard.press("Tab")
    first = page.evaluate(_FOCUSED)
    assert first["cls"] == "skip-link", f"Tab reaches {first} first, not the skip link"

    # Tab on until the hand-in button, noting each answer field on the way.
    seen: list[str] = []
    previous = None
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused["what"] == "button Hand in":
            break
        key = f"{focused['question']} {focused['what']}"
        # A date field takes a Tab per part (day, month, year): one stop all the same.
        if focused["question"] and key != previous:
            seen.append(key)
        if focused["what"] in (None, "body"):
            pytest.fail(f"focus fell out of the page after {seen}")
        previous = key
    else:
        pytest.fail(f"Tab never reached the hand-in button (a keyboard trap?); it went through {seen}")
    assert seen == expected, "Tab does not visit every answer field in order"
    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUSED)["what"] != "button Hand in", "the focus is stuck on the hand-in button"

    # The skip link itself: Enter takes the focus to the content, and the next Tab stays in it.
    page.reload()
    wait_for_htmx(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link does not move the focus to the content"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')"), "Tab after the skip link leaves the content"

    # Enter on a focused button: move the first option of the ranking down.
    ranking = _question(page, EVERY_KIND[-1][1])
    ranking.locator("button[value='0:down']").focus()
    page.keyboard.press("Enter")
    ranking.locator(".save-state.is-saved").wait_for()
    wait_for_htmx(page)
    assert ranking.locator(".rank-option").all_inner_texts() == ["Colleagues", "Salary", "Travel time"]
    # The focus stays on the button pressed (it follows its option), so the next Enter moves it on.
    assert page.evaluate(_FOCUSED)["what"] == "button Down: Salary", "the focus is lost after moving an option"
    screenshot(page, "coaching-keyboard")

    # Enter on "Hand in" submits the form: the other questions are still open, and the page says which.
    page.get_by_role("button", name="Hand in").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Answer every question before you hand in" in page.locator("#missing").inner_text()
    # That page answered 422 on purpose; nothing else may go wrong.
    assert [p for p in problems if not ("/submit:" in p and "status of 422" in p)] == []
    context.close()
