"""Programmes ("trajecten"): templates, a client's programme, locked steps, progress, access and bad input."""
from __future__ import annotations

import html
import re
import sqlite3
from contextlib import closing
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.exercises import builder
from app.exercises.models import Assignment, Question
from app.extensions import db
from app.programmes import library, services
from app.programmes.models import (
    Programme,
    ProgrammeStep,
    ProgrammeTemplate,
    TemplateStep,
)
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = html.escape(XSS, quote=False)
BASE = f"/{ONE}/programmes"


def _in_practice(app, world):
    return app.app_context(), use_practice(world.practices[ONE])


def make_exercise(app, world, title: str = "Waardenkaart") -> int:
    """An exercise with one question in praktijk-een's library."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        exercise = builder.create_exercise(alice, title)
        builder.add_question(alice, exercise, MultiDict({"kind": "short_text", "prompt": "Wat vind je belangrijk?"}))
        db.session.commit()
        return exercise.id


def make_programme(app, world, steps: list[dict], title: str = "Loopbaantraject", starts_on: date | None = None) -> dict:
    """A programme of carol's (by alice) with the given steps; returns ids."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        programme = services.start_programme(
            alice, carol, {"title": title, "status": "active", "starts_on": starts_on or date.today()}
        )
        made = [services.add_step(alice, programme, {"unlock": "always", **step}) for step in steps]
        db.session.commit()
        return {"programme": programme.id, "steps": [s.id for s in made]}


def step_titles_in(text: str) -> list[str]:
    return re.findall(r'<span class="step-title">([^<]*)</span>', text)


# --- templates -------------------------------------------------------------------------------


def test_it_lets_a_coach_build_a_template_without_page_reloads(app, world, as_persona):
    alice = as_persona("alice", lang="en")
    created = alice.post(f"{BASE}/templates/", {"name": "Re-integration", "description": "Six weeks"})
    assert created.status_code == 303
    page_url = created.headers["Location"]
    template_id = int(page_url.rstrip("/").split("/")[-1])
    add = f"{BASE}/templates/{template_id}/steps"
    first = alice.htmx("POST", add, {"kind": "info", "title": "Welcome", "body": "Read this", "unlock": "always"})
    assert first.status_code == 200 and 'id="template-steps"' in first.get_data(as_text=True)
    assert "<html" not in first.get_data(as_text=True), "htmx gets the fragment only"
    second = alice.htmx("POST", add, {"kind": "info", "title": "Reflect", "unlock": "date", "offset_days": "7"})
    assert step_titles_in(second.get_data(as_text=True)) == ["Welcome", "Reflect"]
    assert "From 7 days after the start" in second.get_data(as_text=True)

    with app.app_context(), use_practice(world.practices[ONE]):
        welcome, reflect = library.template_steps(db.session.get(ProgrammeTemplate, template_id))
    moved = alice.htmx("POST", f"{BASE}/templates/{template_id}/steps/{reflect.id}/move", {"direction": "up"})
    assert step_titles_in(moved.get_data(as_text=True)) == ["Reflect", "Welcome"]

    form = alice.htmx("GET", f"{BASE}/templates/{template_id}/steps/{welcome.id}")
    assert form.status_code == 200 and 'name="edit-title"' in form.get_data(as_text=True)
    edited = alice.htmx("POST", f"{BASE}/templates/{template_id}/steps/{welcome.id}",
                        {"edit-kind": "info", "edit-title": "Hello", "edit-unlock": "previous"})
    assert edited.status_code == 200 and edited.headers["HX-Retarget"] == "#template-steps"
    assert step_titles_in(edited.get_data(as_text=True)) == ["Reflect", "Hello"]

    removed = alice.htmx("POST", f"{BASE}/templates/{template_id}/steps/{reflect.id}/delete")
    assert step_titles_in(removed.get_data(as_text=True)) == ["Hello"]
    with app.app_context(), use_practice(world.practices[ONE]):
        steps = library.template_steps(db.session.get(ProgrammeTemplate, template_id))
        assert [(s.title, s.position, s.unlock) for s in steps] == [("Hello", 1, "previous")]
    # Another coach of the practice shares the library.
    assert "Re-integration" in as_persona("bob", lang="en").get(f"{BASE}/templates/").get_data(as_text=True)


def test_it_refuses_a_bad_template_step_with_a_message_and_keeps_the_steps(app, world, as_persona):
    alice = as_persona("alice", lang="en")
    template_id = int(alice.post(f"{BASE}/templates/", {"name": "T"}).headers["Location"].split("/")[-1])
    add = f"{BASE}/templates/{template_id}/steps"
    cases = [
        ({"kind": "info", "title": "", "unlock": "always"}, "Enter a title for the information text."),
        ({"kind": "exercise", "exercise_id": "999", "unlock": "always"}, "Choose an exercise from this practice's library."),
        ({"kind": "exercise", "unlock": "always"}, "Choose an exercise."),
        ({"kind": "info", "title": "X", "unlock": "date"}, "Enter the number of days after the start."),
        ({"kind": "info", "title": "X", "unlock": "date", "offset_days": "99999"}, "Enter a number of days between 0 and 7300."),
        ({"kind": "poem", "title": "X", "unlock": "always"}, "Choose an information text or an exercise."),
        ({"kind": "info", "title": "X", "unlock": "someday"}, "Choose when the step becomes available."),
        ({"kind": "exercise", "exercise_id": "abc", "unlock": "always"}, "Choose an exercise from this practice's library."),
        ({"kind": "info", "title": "X", "unlock": "date", "offset_days": "soon"}, "Not a valid integer value."),
        ({"kind": "info", "title": "X" * 201, "unlock": "always"}, "Field cannot be longer than 200 characters."),
    ]
    for data, message in cases:
        response = alice.htmx("POST", add, data)
        assert response.status_code == 422, data
        assert message in html.unescape(response.get_data(as_text=True)), data
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalars(select(TemplateStep)).all() == []


def test_it_keeps_templates_from_clients_and_practice_admins(world, as_persona, visitor):
    for persona in ("carol", "dave", "admin"):
        assert as_persona(persona).get(f"{BASE}/templates/").status_code == 403
    assert visitor.get(f"{BASE}/templates/").status_code == 302
    menu = as_persona("alice", lang="en").get(f"/{ONE}/coach").get_data(as_text=True)
    assert "Programme templates" in menu


# --- starting and managing a client's programme ------------------------------------------------


def test_it_starts_a_programme_from_a_template_copying_its_steps(app, world, as_persona):
    exercise_id = make_exercise(app, world)
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        template = library.create_template(alice, "Career", "")
        library.add_template_step(template, {"kind": "info", "title": "Welcome", "body": "Hi", "unlock": "always"})
        library.add_template_step(template, {"kind": "exercise", "exercise_id": exercise_id, "unlock": "previous"})
        library.add_template_step(template, {"kind": "info", "title": "Week two", "unlock": "date", "offset_days": 14})
        db.session.commit()
        template_id = template.id
    alice = as_persona("alice", lang="en")
    carol = world.ids["carol"]
    form = alice.get(f"{BASE}/clients/{carol}/new")
    assert form.status_code == 200 and "Career" in form.get_data(as_text=True)
    response = alice.post(f"{BASE}/clients/{carol}/new", {
        "template_id": str(template_id), "title": "Carol's route", "status": "active",
        "starts_on": "2026-03-02", "planned_end_on": "2026-06-30",
    })
    assert response.status_code == 303
    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert step_titles_in(page) == ["Welcome", "Waardenkaart", "Week two"]
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.scalars(select(Programme)).one()
        steps = services.programme_steps(programme)
        assert [s.kind for s in steps] == ["info", "exercise", "info"]
        assert steps[2].unlock_on == date(2026, 3, 16)
        assignment = db.session.get(Assignment, steps[1].assignment_id)
        assert assignment.client_id == carol and assignment.status == "open"
        # The copy is the client's own: changing the template leaves it alone.
        library.update_template(db.session.get(ProgrammeTemplate, template_id), "Renamed", "")
        db.session.commit()
        assert services.programme_steps(programme)[0].title == "Welcome"


def test_it_starts_an_empty_programme_and_adds_removes_and_reorders_steps_via_htmx(app, world, as_persona):
    exercise_id = make_exercise(app, world)
    alice = as_persona("alice", lang="en")
    carol = world.ids["carol"]
    response = alice.post(f"{BASE}/clients/{carol}/new", {"template_id": "0", "title": "Own route", "status": "intake",
                                                         "starts_on": "2026-01-05"})
    programme_id = int(response.headers["Location"].split("/")[-1])
    add = f"{BASE}/{programme_id}/steps"
    alice.htmx("POST", add, {"kind": "info", "title": "Intro", "body": "Hello", "unlock": "always"})
    added = alice.htmx("POST", add, {"kind": "exercise", "exercise_id": str(exercise_id), "unlock": "previous"})
    assert added.status_code == 200
    assert step_titles_in(added.get_data(as_text=True)) == ["Intro", "Waardenkaart"]
    with app.app_context(), use_practice(world.practices[ONE]):
        _intro, exercise_step = services.programme_steps(db.session.get(Programme, programme_id))
        assert exercise_step.assignment_id is not None, "the exercise is assigned when the step is added"
    moved = alice.htmx("POST", f"{BASE}/{programme_id}/steps/{exercise_step.id}/move", {"direction": "up"})
    assert step_titles_in(moved.get_data(as_text=True)) == ["Waardenkaart", "Intro"]
    removed = alice.htmx("POST", f"{BASE}/{programme_id}/steps/{exercise_step.id}/delete")
    assert step_titles_in(removed.get_data(as_text=True)) == ["Intro"]
    with app.app_context(), use_practice(world.practices[ONE]):
        steps = services.programme_steps(db.session.get(Programme, programme_id))
        assert [(s.title, s.position) for s in steps] == [("Intro", 1)]
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "programme"))]
        for action in ("programme.created", "programme.step_added", "programme.step_moved", "programme.step_removed", "programme.read"):
            assert action in actions


def test_it_records_the_end_date_when_a_programme_finishes_and_clears_it_on_reopening(app, world, as_persona):
    ids = make_programme(app, world, [], starts_on=date(2026, 1, 5))
    alice = as_persona("alice", lang="en")
    url = f"{BASE}/{ids['programme']}"
    base = {"title": "Loopbaantraject", "starts_on": "2026-01-05"}

    def ended_on():
        with app.app_context(), use_practice(world.practices[ONE]):
            return db.session.get(Programme, ids["programme"]).ended_on

    assert alice.post(url, {**base, "status": "finished"}).status_code == 303
    assert ended_on() == date.today()
    assert "Ended on" in alice.get(url).get_data(as_text=True)
    assert alice.post(url, {**base, "status": "active"}).status_code == 303
    assert ended_on() is None
    assert alice.post(url, {**base, "status": "stopped"}).status_code == 303
    assert ended_on() == date.today()


def test_it_moves_date_bound_steps_along_with_the_start_date(app, world, as_persona):
    ids = make_programme(app, world, [{"kind": "info", "title": "Later", "unlock": "date", "unlock_on": date(2026, 2, 1)}],
                         starts_on=date(2026, 1, 5))
    alice = as_persona("alice", lang="en")
    response = alice.post(f"{BASE}/{ids['programme']}", {"title": "X", "status": "active", "starts_on": "2026-01-12"})
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(ProgrammeStep, ids["steps"][0]).unlock_on == date(2026, 2, 8)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"planned_end_on": "2026-01-01"}, "The planned end date cannot be before the start date."),
        ({"status": "paused"}, "Choose one of the statuses."),
        ({"starts_on": "1850-01-01"}, "Enter a date between 1900 and twenty years from now."),
        ({"starts_on": "2999-01-01"}, "Enter a date between 1900 and twenty years from now."),
        ({"starts_on": "not a date"}, "Enter a valid start date."),
        ({"title": ""}, "Enter a title."),
    ],
)
def test_it_refuses_bad_programme_details_and_changes_nothing(app, world, as_persona, change, message):
    ids = make_programme(app, world, [], starts_on=date(2026, 1, 5))
    alice = as_persona("alice", lang="en")
    data = {"title": "New title", "status": "active", "starts_on": "2026-01-05", "planned_end_on": "2026-05-01", **change}
    response = alice.post(f"{BASE}/{ids['programme']}", data)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.get(Programme, ids["programme"])
        assert (programme.title, programme.planned_end_on) == ("Loopbaantraject", None)
    started = alice.post(f"{BASE}/clients/{world.ids['carol']}/new", {**data, "template_id": "0"})
    assert started.status_code == 422
    with app.app_context(), use_practice(world.practices[ONE]):
        assert len(db.session.scalars(select(Programme)).all()) == 1


def test_it_refuses_an_unknown_exercise_or_template_with_422(app, world, as_persona):
    ids = make_programme(app, world, [])
    alice = as_persona("alice", lang="en")
    response = alice.htmx("POST", f"{BASE}/{ids['programme']}/steps", {"kind": "exercise", "exercise_id": "4242", "unlock": "always"})
    assert response.status_code == 422
    assert "Choose an exercise from this practice's library." in html.unescape(response.get_data(as_text=True))
    dated = alice.htmx("POST", f"{BASE}/{ids['programme']}/steps", {"kind": "info", "title": "X", "unlock": "date", "unlock_on": "2999-01-01"})
    assert dated.status_code == 422 and "Enter a date between 1900 and twenty years from now." in dated.get_data(as_text=True)
    started = alice.post(f"{BASE}/clients/{world.ids['carol']}/new",
                         {"template_id": "777", "title": "T", "status": "active", "starts_on": "2026-01-05"})
    assert started.status_code == 422 and "Choose a template from the library." in started.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalars(select(ProgrammeStep)).all() == []
        assert db.session.scalars(select(Assignment)).all() == []


def test_it_refuses_an_exercise_of_another_practice(app, world, as_persona):
    # Each practice has its own library (its own file): an id from praktijk-twee is unknown here.
    with app.app_context(), use_practice(world.practices["praktijk-twee"]):
        eve = accounts.user_by_id(world.ids["eve"])
        foreign = builder.create_exercise(eve, "Elsewhere")
        builder.add_question(eve, foreign, MultiDict({"kind": "short_text", "prompt": "?"}))
        db.session.commit()
        foreign_id = foreign.id + 100  # beyond anything praktijk-een has
    ids = make_programme(app, world, [])
    response = as_persona("alice", lang="en").htmx(
        "POST", f"{BASE}/{ids['programme']}/steps", {"kind": "exercise", "exercise_id": str(foreign_id), "unlock": "always"}
    )
    assert response.status_code == 422


# --- what the client sees --------------------------------------------------------------------


def test_it_shows_locked_steps_to_the_client_with_the_reason(app, world, as_persona):
    later = date.today() + timedelta(days=10)
    ids = make_programme(app, world, [
        {"kind": "info", "title": "Start here", "body": "Welcome text"},
        {"kind": "info", "title": "Then this", "body": "Secret until unlocked", "unlock": "previous"},
        {"kind": "info", "title": "Next month", "body": "Also hidden", "unlock": "date", "unlock_on": later},
    ])
    carol = as_persona("carol", lang="en")
    page = carol.get(f"{BASE}/mine")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Welcome text" in text and "Available after the previous step." in text
    assert f"Available from {later.strftime('%b')}" in text
    assert "Secret until unlocked" not in text and "Also hidden" not in text
    assert "0 of 3 steps done" in text
    # Locked steps cannot be marked read.
    locked = carol.htmx("POST", f"{BASE}/{ids['programme']}/steps/{ids['steps'][1]}/read")
    assert locked.status_code == 422 and "This step cannot be marked as read yet." in locked.get_data(as_text=True)
    read = carol.htmx("POST", f"{BASE}/{ids['programme']}/steps/{ids['steps'][0]}/read")
    assert read.status_code == 200
    text = read.get_data(as_text=True)
    assert "Secret until unlocked" in text and "1 of 3 steps done" in text
    menu = carol.get(f"/{ONE}/me").get_data(as_text=True)
    assert f'href="{BASE}/mine"' in menu
    with app.app_context(), use_practice(world.practices[ONE]):
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "programme.read")).all()
        assert reads and all(e.actor_id == world.ids["carol"] for e in reads)


def test_it_unlocks_an_exercise_step_when_the_previous_exercise_is_handed_in(app, world, as_persona):
    first_id, second_id = make_exercise(app, world, "First"), make_exercise(app, world, "Second")
    ids = make_programme(app, world, [
        {"kind": "exercise", "exercise_id": first_id},
        {"kind": "exercise", "exercise_id": second_id, "unlock": "previous"},
    ])
    carol = as_persona("carol", lang="en")
    text = carol.get(f"{BASE}/mine").get_data(as_text=True)
    assert text.count("Open the exercise") == 1 and "Available after the previous step." in text
    with app.app_context(), use_practice(world.practices[ONE]):
        first_step = db.session.get(ProgrammeStep, ids["steps"][0])
        db.session.get(Assignment, first_step.assignment_id).status = "submitted"
        db.session.commit()
    text = carol.get(f"{BASE}/mine").get_data(as_text=True)
    assert text.count("Open the exercise") == 2 and "Handed in" in text and "1 of 2 steps done" in text


def test_it_counts_progress_of_info_and_exercise_steps(app, world):
    exercise_id = make_exercise(app, world)
    ids = make_programme(app, world, [
        {"kind": "info", "title": "A"}, {"kind": "info", "title": "B"},
        {"kind": "exercise", "exercise_id": exercise_id}, {"kind": "exercise", "exercise_id": exercise_id},
    ])
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.get(Programme, ids["programme"])
        assert services.programme_progress(programme) == (0, 4)
        carol = accounts.user_by_id(world.ids["carol"])
        steps = services.programme_steps(programme)
        services.mark_read(carol, programme, steps[0])
        db.session.get(Assignment, steps[2].assignment_id).status = "submitted"
        db.session.get(Assignment, steps[3].assignment_id).status = "reviewed"
        db.session.commit()
        assert services.programme_progress(programme) == (3, 4)
        assert services.progress_of(services.programmes_for(carol)) == {programme.id: (3, 4)}


def test_it_shows_programmes_in_the_dossier_with_a_progress_bar(app, world, as_persona):
    ids = make_programme(app, world, [{"kind": "info", "title": "A"}])
    alice = as_persona("alice", lang="en")
    carol = world.ids["carol"]
    assert "Programmes" in alice.get(f"/{ONE}/clients/{carol}").get_data(as_text=True)
    section = alice.htmx("GET", f"/{ONE}/clients/{carol}/sections/programmes")
    text = section.get_data(as_text=True)
    assert section.status_code == 200
    assert '<progress max="1" value="0"' in text and "0 of 1 step done" in text
    assert f'href="{BASE}/{ids["programme"]}"' in text and f'href="{BASE}/clients/{carol}/new"' in text
    assert as_persona("bob").get(f"/{ONE}/clients/{carol}/sections/programmes").status_code == 404


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "manage", "mine", "read"),
    [
        ("alice", 200, 403, 403),
        ("bob", 404, 403, 404),
        ("carol", 403, 200, 303),
        ("dave", 404, 200, 404),
        ("admin", 404, 403, 404),
        ("eve", 302, 302, 302),
    ],
)
def test_it_opens_a_programme_only_to_the_clients_coach_and_the_client(app, world, as_persona, persona, manage, mine, read):
    ids = make_programme(app, world, [{"kind": "info", "title": "Private step title"}], title="Carols programme")
    visitor = as_persona(persona)
    page = visitor.get(f"{BASE}/{ids['programme']}")
    assert page.status_code == manage
    own = visitor.get(f"{BASE}/mine")
    assert own.status_code == mine
    assert visitor.post(f"{BASE}/{ids['programme']}/steps/{ids['steps'][0]}/read").status_code == read
    if persona not in ("alice", "carol"):
        assert b"Private step title" not in page.data + own.data
        assert b"Carols programme" not in page.data + own.data
    if persona != "alice":
        for url in (f"{BASE}/{ids['programme']}/steps", f"{BASE}/{ids['programme']}/steps/{ids['steps'][0]}/delete"):
            assert visitor.post(url, {"kind": "info", "title": "x", "unlock": "always"}).status_code == manage
        with app.app_context(), use_practice(world.practices[ONE]):
            assert len(services.programme_steps(db.session.get(Programme, ids["programme"]))) == 1


def test_it_sends_anonymous_visitors_to_sign_in(app, world, visitor):
    ids = make_programme(app, world, [{"kind": "info", "title": "A"}])
    for url in (f"{BASE}/{ids['programme']}", f"{BASE}/mine", f"{BASE}/templates/"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_answers_404_for_a_step_of_another_programme(app, world, as_persona):
    one = make_programme(app, world, [{"kind": "info", "title": "A"}])
    two = make_programme(app, world, [{"kind": "info", "title": "B"}])
    alice = as_persona("alice")
    assert alice.post(f"{BASE}/{one['programme']}/steps/{two['steps'][0]}/delete").status_code == 404


# --- privacy -----------------------------------------------------------------------------------


def test_it_encrypts_what_a_coach_writes_in_a_clients_programme(app, world):
    make_programme(app, world, [{"kind": "info", "title": "Zeer persoonlijke stap", "body": "Burn-out gesprek"}],
                   title="Traject na burn-out")
    path = app.extensions["koers_practice_engines"].path_for(ONE)
    with closing(sqlite3.connect(path)) as conn:
        raw = b"".join(
            bytes(value) for row in conn.execute("SELECT title, body FROM programme_steps UNION ALL SELECT title, notes FROM programmes")
            for value in row if value is not None
        )
    for secret in (b"Zeer persoonlijke", b"Burn-out", b"burn-out"):
        assert secret not in raw


def test_it_renders_xss_payloads_inert_everywhere(app, world, as_persona):
    alice = as_persona("alice", lang="en")
    template_id = int(alice.post(f"{BASE}/templates/", {"name": XSS, "description": XSS}).headers["Location"].split("/")[-1])
    alice.htmx("POST", f"{BASE}/templates/{template_id}/steps", {"kind": "info", "title": XSS, "body": XSS, "unlock": "always"})
    carol = world.ids["carol"]
    started = alice.post(f"{BASE}/clients/{carol}/new", {"template_id": str(template_id), "title": XSS, "status": "active",
                                                        "starts_on": "2026-01-05", "notes": XSS})
    programme_id = int(started.headers["Location"].split("/")[-1])
    alice.htmx("POST", f"{BASE}/{programme_id}/steps", {"kind": "info", "title": XSS, "body": XSS, "unlock": "always"})
    with app.app_context(), use_practice(world.practices[ONE]):
        template_step = db.session.scalars(select(TemplateStep)).first()
    client = as_persona("carol", lang="en")
    pages = [
        alice.get(f"{BASE}/templates/"),
        alice.get(f"{BASE}/templates/{template_id}"),
        alice.htmx("GET", f"{BASE}/templates/{template_id}"),
        alice.htmx("GET", f"{BASE}/templates/{template_id}/steps/{template_step.id}"),
        alice.get(f"{BASE}/templates/{template_id}/steps/{template_step.id}"),
        alice.get(f"{BASE}/clients/{carol}/new"),
        alice.get(f"{BASE}/{programme_id}"),
        alice.htmx("POST", f"{BASE}/{programme_id}/steps", {"kind": "info", "title": "", "unlock": "always"}),
        alice.htmx("GET", f"/{ONE}/clients/{carol}/sections/programmes"),
        client.get(f"{BASE}/mine"),
        client.htmx("GET", f"{BASE}/mine"),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert XSS not in text, response.request.path
        assert "<script>alert" not in text and "<img src=x" not in text
    assert ESCAPED in pages[1].get_data(as_text=True) and ESCAPED in pages[-2].get_data(as_text=True)


def test_it_refuses_a_template_whose_exercise_cannot_be_given_and_starts_nothing(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        empty = builder.create_exercise(alice, "No questions yet")
        template = library.create_template(alice, "Broken", "")
        library.add_template_step(template, {"kind": "exercise", "exercise_id": empty.id, "unlock": "always"})
        db.session.commit()
        template_id = template.id
    response = as_persona("alice", lang="en").post(f"{BASE}/clients/{world.ids['carol']}/new", {
        "template_id": str(template_id), "title": "T", "status": "active", "starts_on": "2026-01-05",
    })
    assert response.status_code == 422
    assert "This exercise has no questions yet." in response.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalars(select(Programme)).all() == []
        assert db.session.scalars(select(Assignment)).all() == []


def test_it_computes_progress_of_many_programmes_in_a_fixed_number_of_queries(app, world):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    exercise_id = make_exercise(app, world)

    def queries_for(count: int) -> int:
        for _ in range(count):
            make_programme(app, world, [{"kind": "info", "title": "A"}, {"kind": "exercise", "exercise_id": exercise_id}])
        with app.app_context(), use_practice(world.practices[ONE]):
            programmes = services.programmes_for(accounts.user_by_id(world.ids["carol"]))
            seen = []

            def count_query(*args):
                seen.append(1)

            event.listen(Engine, "before_cursor_execute", count_query)
            try:
                progress = services.progress_of(programmes)
            finally:
                event.remove(Engine, "before_cursor_execute", count_query)
            assert all(total == 2 for _done, total in progress.values())
            return len(seen)

    assert queries_for(1) == queries_for(10)


def test_it_keeps_a_locked_exercise_step_out_of_the_clients_exercises_until_it_opens(app, world, as_persona):
    exercise = make_exercise(app, world, "Later in het traject")
    later = date.today() + timedelta(days=30)
    ids = make_programme(app, world, [{"kind": "exercise", "exercise_id": exercise, "unlock": "date", "unlock_on": later}])
    with app.app_context(), use_practice(world.practices[ONE]):
        assignment_id = db.session.get(ProgrammeStep, ids["steps"][0]).assignment_id
    carol = as_persona("carol", lang="en")
    assert "Later in het traject" not in carol.get(f"/{ONE}/exercises/mine").get_data(as_text=True)
    # On the home page it appears only as a locked programme step, without a link to answer it.
    assert f"/exercises/assignments/{assignment_id}" not in carol.get(f"/{ONE}/me").get_data(as_text=True)
    page = carol.get(f"/{ONE}/exercises/assignments/{assignment_id}").get_data(as_text=True)
    assert "not available yet" in page
    with app.app_context(), use_practice(world.practices[ONE]):
        question = db.session.scalars(select(Question)).first()
    saved = carol.htmx("POST", f"/{ONE}/exercises/assignments/{assignment_id}/answers/{question.id}", {"value": "nu al"})
    assert saved.status_code == 409

    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(ProgrammeStep, ids["steps"][0]).unlock_on = date.today()
        db.session.commit()
    assert "Later in het traject" in carol.get(f"/{ONE}/exercises/mine").get_data(as_text=True)


# --- assessment steps --------------------------------------------------------------------------

QUESTIONNAIRE = "competency-self-assessment"


def answer_and_submit(app, world, assessment_assignment_id: int) -> None:
    """carol answers every item of her questionnaire and submits it (through the assessments service)."""
    from app.assessments import services as assessments
    from app.assessments.models import AssessmentAssignment

    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        assignment = db.session.get(AssessmentAssignment, assessment_assignment_id)
        items = assessments.instrument_of(assignment).items
        assessments.save_answers(carol, assignment, {f"a-{item.id}": "3" for item in items})
        assessments.submit(carol, assignment)
        db.session.commit()


def test_it_starts_a_programme_whose_assessment_step_gives_the_questionnaire(app, world, as_persona):
    from app.assessments.models import AssessmentAssignment

    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        template = library.create_template(alice, "Assessed", "")
        library.add_template_step(template, {"kind": "info", "title": "Welcome", "unlock": "always"})
        library.add_template_step(template, {"kind": "assessment", "instrument_id": QUESTIONNAIRE, "unlock": "always"})
        library.add_template_step(template, {"kind": "info", "title": "After", "unlock": "previous"})
        db.session.commit()
        template_id = template.id
    alice = as_persona("alice", lang="en")
    carol_id = world.ids["carol"]
    edit = alice.get(f"{BASE}/templates/{template_id}").get_data(as_text=True)
    assert "Competencies: self-assessment (template)" in edit and 'name="instrument_id"' in edit
    response = alice.post(f"{BASE}/clients/{carol_id}/new", {
        "template_id": str(template_id), "title": "Carol's route", "status": "active", "starts_on": "2026-03-02",
    })
    assert response.status_code == 303
    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert step_titles_in(page) == ["Welcome", "Competencies: self-assessment (template)", "After"]
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.scalars(select(Programme)).one()
        steps = services.programme_steps(programme)
        assert [s.kind for s in steps] == ["info", "assessment", "info"]
        given = db.session.get(AssessmentAssignment, steps[1].assessment_assignment_id)
        assert (given.client_id, given.instrument_id, given.status) == (carol_id, QUESTIONNAIRE, "open")
        programme_id, step_id, given_id = programme.id, steps[1].id, given.id
    # The client sees the step and reaches the questionnaire from it.
    carol = as_persona("carol", lang="en")
    mine = html.unescape(carol.get(f"{BASE}/mine").get_data(as_text=True))
    assert "Competencies: self-assessment (template)" in mine and "Open the questionnaire" in mine
    link = f"/{ONE}/assessments/{given_id}"
    assert f'href="{link}"' in mine
    opened = carol.get(link)
    assert opened.status_code == 303 and "/pages/1" in opened.headers["Location"]
    assert carol.get(opened.headers["Location"]).status_code == 200
    # Submitting it marks the step done and opens the step after it.
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.get(Programme, programme_id)
        view = services.programme_view(programme)
        assert [s.available for s in view.steps] == [True, True, False]
        assert services.programme_progress(programme) == (0, 3)
    answer_and_submit(app, world, given_id)
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.get(Programme, programme_id)
        view = services.programme_view(programme)
        assert [s.step.id for s in view.steps if s.done] == [step_id]
        assert view.steps[2].available
        assert services.programme_progress(programme) == (1, 3)


def test_it_locks_an_assessment_step_for_the_client_until_the_previous_step_is_done(app, world, as_persona):
    ids = make_programme(app, world, [
        {"kind": "info", "title": "First"},
        {"kind": "assessment", "instrument_id": QUESTIONNAIRE, "unlock": "previous"},
    ])
    carol = as_persona("carol", lang="en")
    mine = carol.get(f"{BASE}/mine").get_data(as_text=True)
    assert "Available after the previous step." in mine and "Open the questionnaire" not in mine
    with app.app_context(), use_practice(world.practices[ONE]):
        given_id = db.session.get(ProgrammeStep, ids["steps"][1]).assessment_assignment_id
    assert f'href="/{ONE}/assessments/{given_id}"' not in carol.get(f"/{ONE}/assessments/").get_data(as_text=True)
    locked = carol.get(f"/{ONE}/assessments/{given_id}/pages/1")
    assert locked.status_code == 409 and "not available yet" in locked.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        programme = db.session.get(Programme, ids["programme"])
        services.mark_read(accounts.user_by_id(world.ids["carol"]), programme, services.programme_steps(programme)[0])
        db.session.commit()
    assert "Open the questionnaire" in carol.get(f"{BASE}/mine").get_data(as_text=True)
    assert f'href="/{ONE}/assessments/{given_id}"' in carol.get(f"/{ONE}/assessments/").get_data(as_text=True)
    assert carol.get(f"/{ONE}/assessments/{given_id}/pages/1").status_code == 200


def test_it_refuses_an_unknown_questionnaire_with_422_and_saves_nothing(app, world, as_persona):
    from app.assessments.models import AssessmentAssignment

    ids = make_programme(app, world, [])
    alice = as_persona("alice", lang="en")
    response = alice.htmx("POST", f"{BASE}/{ids['programme']}/steps",
                          {"kind": "assessment", "instrument_id": "no-such-thing", "unlock": "always"})
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "Choose a questionnaire from the list." in text
    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice_user = accounts.user_by_id(world.ids["alice"])
        template = library.create_template(alice_user, "T", "")
        with pytest.raises(services.ProgrammeError) as refused:
            library.add_template_step(template, {"kind": "assessment", "instrument_id": "nope", "unlock": "always"})
        assert refused.value.field == "instrument_id"
        db.session.rollback()
        programme = db.session.get(Programme, ids["programme"])
        with pytest.raises(services.ProgrammeError):
            services.add_step(alice_user, programme, {"kind": "assessment", "instrument_id": "nope", "unlock": "always"})
        db.session.rollback()
        assert db.session.scalars(select(ProgrammeStep)).all() == []
        assert db.session.scalars(select(TemplateStep)).all() == []
        assert db.session.scalars(select(AssessmentAssignment)).all() == []
