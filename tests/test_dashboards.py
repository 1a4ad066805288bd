"""Dashboards: the coach's clients at a glance, the client's next step, programmes by status for the admin."""
from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.exercises import builder
from app.exercises.models import Assignment, AssignmentStatus
from app.exercises.services import assign_exercise
from app.extensions import db
from app.goals import services as goals
from app.messages.models import Message
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.programmes import services as programmes
from app.settings.models import PracticeSettings
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import ONE
from tests.querycount import count_queries

COACH = f"/{ONE}/coach"
ME = f"/{ONE}/me"
PEOPLE = f"/{ONE}/admin/people/"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PAST = date.today() - timedelta(days=10)
FUTURE = date.today() + timedelta(days=10)


# --- building a caseload ------------------------------------------------------------------------


def _exercise(coach, title: str) -> int:
    exercise = builder.create_exercise(coach, title)
    builder.add_question(coach, exercise, MultiDict({"kind": "short_text", "prompt": "Wat vind je belangrijk?"}))
    return exercise.id


def _set_state(assignment: Assignment, status: str, due: date | None = None) -> None:
    assignment.status, assignment.due_date = status, due
    if status in (AssignmentStatus.SUBMITTED, AssignmentStatus.REVIEWED):
        assignment.submitted_at = utcnow()
    if status == AssignmentStatus.REVIEWED:
        assignment.reviewed_at = utcnow()


def give_programme(coach, client, exercise_ids: tuple[int, int], status: str, state: str,
                   due: date | None = None, read: bool = False) -> None:
    """A programme of an info step and two exercise steps; the first exercise in `state`, the second open."""
    programme = programmes.start_programme(coach, client, {"title": "Loopbaantraject", "status": status,
                                                           "starts_on": date.today()})
    info = programmes.add_step(coach, programme, {"kind": "info", "title": "Welkom", "unlock": "always"})
    first = programmes.add_step(coach, programme, {"kind": "exercise", "exercise_id": exercise_ids[0], "unlock": "always"})
    programmes.add_step(coach, programme, {"kind": "exercise", "exercise_id": exercise_ids[1], "unlock": "always"})
    if read:
        info.read_at = utcnow()
    _set_state(db.session.get(Assignment, first.assignment_id), state, due)


def populate(app, world, start: int, stop: int) -> None:
    """Clients start..stop-1 for alice in varied states: programme status, exercises, unread messages."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        ids = tuple(_exercise(alice, f"Oefening {n}") for n in (1, 2))
        for i in range(start, stop):
            client = accounts.create_user("client", f"client{i:03d}@een.test", f"Client{i:03d}", "Dash")
            accounts.assign_coach(alice, client)
            state = (AssignmentStatus.SUBMITTED, AssignmentStatus.REVIEWED, AssignmentStatus.OPEN)[i % 3]
            give_programme(alice, client, ids, ("intake", "active", "finished", "stopped")[i % 4], state,
                           due=PAST if state == AssignmentStatus.OPEN else None, read=bool(i % 2))
            if i % 2 == 0:
                db.session.add(Message(client_id=client.id, author_id=client.id, body=f"Bericht {i}"))
        # carol's exercises grow along (one programme, more exercises), for the client's dashboard
        carol = accounts.user_by_id(world.ids["carol"])
        if start == 0:
            give_programme(alice, carol, ids, "active", AssignmentStatus.REVIEWED)
        for i in range(start, stop, 10):
            state = (AssignmentStatus.OPEN, AssignmentStatus.REVIEWED)[i // 10 % 2]
            _set_state(assign_exercise(alice, carol, ids[0], FUTURE), state, FUTURE)
        notify(alice, NotificationKind.MESSAGE, f"/{ONE}/messages/", actor=carol)
        db.session.commit()


def statements_of(visitor, url: str, **kwargs) -> int:
    visitor.get(url, **kwargs)  # warm caches (settings, engines) outside the count
    with count_queries() as statements:
        response = visitor.get(url, **kwargs)
    assert response.status_code == 200, url
    return len(statements)


HX = {"headers": {"HX-Request": "true"}}


# --- the number of statements ------------------------------------------------------------------


def test_it_runs_the_same_number_of_queries_for_10_and_for_200_clients(app, world, as_persona):
    alice, carol, admin = as_persona("alice", lang="en"), as_persona("carol", lang="en"), as_persona("admin", lang="en")
    pages = {
        "coach": (alice, COACH, {}),
        "filtered fragment": (alice, f"{COACH}?show=review&q=dash", HX),
        "unread fragment": (alice, f"{COACH}?show=unread", HX),
        "status fragment": (alice, f"{COACH}?show=active", HX),
        "client": (carol, ME, {}),
        "people": (admin, PEOPLE, {}),
    }
    populate(app, world, 0, 10)
    small = {name: statements_of(v, url, **kw) for name, (v, url, kw) in pages.items()}
    assert "Client009 Dash" in alice.get(COACH).get_data(as_text=True)
    populate(app, world, 10, 200)
    large = {name: statements_of(v, url, **kw) for name, (v, url, kw) in pages.items()}
    assert small == large
    page = alice.get(COACH).get_data(as_text=True)
    assert page.count("<progress") == 25 and "Page 1 of 9" in page


# --- the coach's dashboard -----------------------------------------------------------------------


@pytest.fixture
def caseload(app, world):
    """carol: active programme, 1 of 3 steps done, one exercise handed in, one overdue, two unread messages."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        ids = (_exercise(alice, "Kernwaarden"), _exercise(alice, "Energiegevers"))
        give_programme(alice, carol, ids, "active", AssignmentStatus.SUBMITTED)
        _set_state(assign_exercise(alice, carol, ids[1], PAST), AssignmentStatus.OPEN, PAST)
        for body in ("Hallo", "Nog een vraag"):
            db.session.add(Message(client_id=carol.id, author_id=carol.id, body=body))
        notify(alice, NotificationKind.EXERCISE_SUBMITTED, f"/{ONE}/exercises/", actor=carol)
        db.session.commit()
        return ids


def row_of(page: str, name: str) -> str:
    start = page.index(name)
    return page[start:page.index("</tr>", start)]


def test_it_shows_each_client_with_programme_progress_and_what_needs_attention(world, caseload, as_persona):
    page = as_persona("alice", lang="en").get(COACH).get_data(as_text=True)
    assert "<h1>My clients</h1>" in page
    row = row_of(page, "Carol Test")
    assert "Active" in row
    assert '<progress max="3" value="1"' in row and "1 of 3 steps done" in row  # the handed-in exercise
    assert 'data-figure="review">1<' in row and 'data-figure="overdue">1<' in row
    assert f'href="/{ONE}/messages/{world.ids["carol"]}">2<' in row
    assert "<strong>1</strong> exercise awaiting review" in page and "<strong>1</strong> overdue exercise" in page
    assert "<strong>2</strong> unread messages" in page
    assert "An exercise was submitted" in page and "Recent activity" in page
    assert "Dave Test" not in page, "dave is bob's client"


def test_it_counts_a_handed_in_exercise_step_as_done(app, world, caseload, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        [programme] = programmes.programmes_for(carol)
        assert programmes.progress_of([programme]) == {programme.id: (1, 3)}
    row = row_of(as_persona("alice", lang="en").get(COACH).get_data(as_text=True), "Carol Test")
    assert '<progress max="3" value="1"' in row and "1 of 3 steps done" in row


def test_it_filters_and_searches_the_client_list_as_an_htmx_fragment(app, world, caseload, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        quiet = accounts.create_user("client", "stil@een.test", "Stille", "Klant")
        accounts.assign_coach(alice, quiet)
        db.session.commit()
    alice = as_persona("alice", lang="en")
    page = alice.get(COACH).get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms, search"' in page and 'hx-target="#coach-clients"' in page
    assert '<label for="q">' in page and '<label for="show">' in page
    for show, carol_in, quiet_in in (("review", True, False), ("overdue", True, False), ("unread", True, False),
                                    ("active", True, False), ("intake", False, False), ("", True, True)):
        response = alice.get(f"{COACH}?show={show}", **HX)
        fragment = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in fragment and 'id="coach-clients"' in fragment
        assert "HX-Request" in response.headers["Vary"]
        assert ("Carol Test" in fragment) is carol_in, show
        assert ("Stille Klant" in fragment) is quiet_in, show
    found = alice.get(f"{COACH}?q=stil", **HX).get_data(as_text=True)
    assert "Stille Klant" in found and "Carol Test" not in found and "1 client" in found
    assert "No client matches your search." in alice.get(f"{COACH}?q=nobody", **HX).get_data(as_text=True)
    # An unknown filter shows everyone; a full page for a plain request.
    assert "Stille Klant" in alice.get(f"{COACH}?show=bogus", **HX).get_data(as_text=True)
    assert "<html" in alice.get(f"{COACH}?show=review").get_data(as_text=True)


def test_it_paginates_25_clients_per_page(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        for i in range(30):
            client = accounts.create_user("client", f"p{i:02d}@een.test", f"Page{i:02d}", "Person")
            accounts.assign_coach(alice, client)
        db.session.commit()
    alice = as_persona("alice", lang="en")
    first = alice.get(COACH).get_data(as_text=True)
    assert first.count('<th scope="row">') == 25 and "Page 1 of 2" in first and "31 clients" in first
    assert f'hx-get="{COACH}?page=2"' in first
    second = alice.get(f"{COACH}?page=2", **HX).get_data(as_text=True)
    assert second.count('<th scope="row">') == 6 and "Page 2 of 2" in second and "Previous" in second
    filtered = alice.get(f"{COACH}?q=page&page=2", **HX).get_data(as_text=True)
    assert filtered.count('<th scope="row">') == 5 and "q=page" in filtered
    assert "Page 2 of 2" in alice.get(f"{COACH}?page=99", **HX).get_data(as_text=True)


def test_it_shows_a_coach_only_their_own_clients_unless_caseloads_are_shared(app, world, caseload, as_persona):
    bob = as_persona("bob", lang="en")
    page = bob.get(COACH).get_data(as_text=True)
    assert "Dave Test" in page and "Carol Test" not in page
    assert "Carol Test" not in bob.get(f"{COACH}?q=carol", **HX).get_data(as_text=True)
    assert "<strong>0</strong> exercises awaiting review" in page and "<strong>0</strong> unread messages" in page
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(PracticeSettings, 1).shared_caseloads = True
        db.session.commit()
    assert "Carol Test" in bob.get(COACH).get_data(as_text=True)


@pytest.mark.parametrize(("persona", "url"), [("carol", COACH), ("admin", COACH), ("alice", ME), ("admin", ME)])
def test_it_refuses_another_roles_dashboard(as_persona, persona, url):
    assert as_persona(persona, lang="en").get(url).status_code == 403


def test_it_renders_hostile_client_names_inert(app, world, caseload, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        accounts.user_by_id(world.ids["carol"]).last_name = XSS
        db.session.commit()
    alice = as_persona("alice", lang="en")
    for body in (alice.get(COACH).get_data(as_text=True), alice.get(f"{COACH}?show=review", **HX).get_data(as_text=True)):
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(" in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_it_audits_the_programmes_it_lists_in_one_event(app, world, caseload, as_persona):
    as_persona("alice", lang="en").get(COACH)
    with app.app_context(), use_practice(world.practices[ONE]):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "programmes.listed")).all()
        assert len(events) == 1 and events[0].actor_id == world.ids["alice"]
        assert '"view": "coach_home"' in events[0].detail and "Carol" not in events[0].detail


def test_it_keeps_the_dutch_heading_for_dutch_coaches(caseload, as_persona):
    page = as_persona("alice", lang="nl").get(COACH).get_data(as_text=True)
    assert "<h1>Mijn cliënten</h1>" in page


# --- the client's dashboard -----------------------------------------------------------------------


def test_it_shows_the_client_what_to_do_next_exercises_feedback_messages_and_goals(app, world, caseload, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        goals.create_goal(alice, carol, {"title": "Nieuwe baan vinden", "status": "open", "target_date": FUTURE})
        _set_state(assign_exercise(alice, carol, caseload[0], None), AssignmentStatus.REVIEWED)
        db.session.add(Message(client_id=carol.id, author_id=alice.id, body="Goed gedaan"))
        db.session.commit()
    page = as_persona("carol", lang="en").get(ME).get_data(as_text=True)
    next_part = page[page.index("What to do next"):page.index("Open exercises")]
    assert "Welkom" in next_part, "the unread information step comes first"
    open_part = page[page.index("Open exercises"):page.index("Feedback received")]
    assert "Energiegevers" in open_part and "(overdue)" in open_part
    feedback_part = page[page.index("Feedback received"):page.index('id="messages-title"')]
    assert "Read the feedback on Kernwaarden" in feedback_part
    assert "You have 1 unread message." in page and f'href="/{ONE}/messages/me"' in page
    assert "Nieuwe baan vinden" in page and "Who guides you" in page and "Alice Test" in page
    assert '<progress max="3" value="1"' in page, "the programme with its progress bar"
    assert f'<a href="{ME}" aria-current="page">Home</a>' in page and "My programme" not in page
    headings = [int(n) for n in re.findall(r"<h([1-6])", page)]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in pairwise(headings))


def test_it_points_to_the_first_open_exercise_when_no_programme_step_waits(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        later, sooner = _exercise(alice, "Later"), _exercise(alice, "Eerder")
        assign_exercise(alice, carol, later, FUTURE + timedelta(days=5))
        first = assign_exercise(alice, carol, sooner, FUTURE)
        db.session.commit()
        first_id = first.id
    page = as_persona("carol", lang="en").get(ME).get_data(as_text=True)
    next_part = page[page.index("What to do next"):page.index("Open exercises")]
    assert "Eerder" in next_part and f"/exercises/assignments/{first_id}" in next_part
    empty = as_persona("dave", lang="en").get(ME).get_data(as_text=True)
    assert "Nothing to do right now." in empty and "You have no open exercises." in empty


def test_it_audits_what_the_client_dashboard_shows(app, world, caseload, as_persona):
    as_persona("carol", lang="en").get(ME)
    with app.app_context(), use_practice(world.practices[ONE]):
        actions = {(e.action, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id == world.ids["carol"]))}
        assert any(a == "programme.read" and '"home"' in d for a, d in actions)
        assert any(a == "goals.read" for a, _d in actions)


def test_it_renders_hostile_texts_inert_on_the_client_dashboard(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        alice.last_name = XSS
        goals.create_goal(alice, carol, {"title": XSS, "status": "open"})
        exercise_id = _exercise(alice, "Titel " + XSS[:60])
        assign_exercise(alice, carol, exercise_id, FUTURE)
        db.session.commit()
    body = as_persona("carol", lang="en").get(ME).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body


# --- the practice admin ---------------------------------------------------------------------------


def test_it_shows_the_practice_admin_programmes_by_status(app, world, as_persona):
    populate(app, world, 0, 8)  # statuses cycle: 2 of each
    page = as_persona("admin", lang="en").get(PEOPLE).get_data(as_text=True)
    part = page[page.index("Programmes by status"):]
    part = part[:part.index("</ul>")]
    # carol's active programme comes on top of the cycle
    assert "Intake: 2" in part and "Active: 3" in part and "Finished: 2" in part and "Stopped: 2" in part
    assert "Client00" not in part and "Loopbaantraject" not in part
