"""Goals: kept by a client and their coach, encrypted, audited, changed with htmx."""
from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.goals.models import Goal, GoalStatus
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def goals_url(world, client: str = "carol") -> str:
    return f"/{ONE}/goals/clients/{world.ids[client]}"


def section_url(world, client: str = "carol") -> str:
    return f"/{ONE}/clients/{world.ids[client]}/sections/goals"


def new_goal(title: str = "Find work I enjoy", **extra: str) -> dict[str, str]:
    return {"new-title": title, "new-description": "", "new-status": "open", "new-target_date": "", **extra}


def stored_goals(app, world) -> list[tuple[str, str | None, str, date | None]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [
            (g.title, g.description, g.status, g.target_date)
            for g in db.session.scalars(select(Goal).order_by(Goal.id))
        ]


def add_goal(app, world, title: str = "Find work I enjoy", description: str | None = None) -> int:
    with app.app_context(), use_practice(world.practices[ONE]):
        goal = Goal(client_id=world.ids["carol"], title=title, description=description, status=GoalStatus.OPEN)
        db.session.add(goal)
        db.session.commit()
        return goal.id


def test_it_lets_a_client_add_a_goal_that_their_coach_then_sees(app, world, as_persona):
    carol = as_persona("carol", lang="en")
    page = carol.get(f"/{ONE}/goals/")
    assert page.status_code == 200 and "<h1>My goals</h1>" in page.get_data(as_text=True)
    response = carol.post(
        goals_url(world),
        new_goal("Find work I enjoy", **{"new-description": "In care,\nnear home", "new-target_date": "2027-06-30"}),
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{ONE}/goals/")
    mine = carol.get(f"/{ONE}/goals/").get_data(as_text=True)
    assert "Find work I enjoy" in mine and "In care,\nnear home" in mine
    section = as_persona("alice", lang="en").htmx("GET", section_url(world)).get_data(as_text=True)
    assert "Find work I enjoy" in section and "<h1" not in section and "<h2" not in section
    assert stored_goals(app, world) == [("Find work I enjoy", "In care,\nnear home", "open", date(2027, 6, 30))]


def test_it_lets_the_coach_add_change_and_delete_goals_with_htmx(app, world, as_persona):
    alice = as_persona("alice", lang="en")
    added = alice.htmx("POST", goals_url(world), new_goal("Write a CV"))
    assert added.status_code == 200
    text = added.get_data(as_text=True)
    assert "<html" not in text and f'id="goals-{world.ids["carol"]}"' in text and "Write a CV" in text
    assert [g[0] for g in stored_goals(app, world)] == ["Write a CV"]
    with app.app_context(), use_practice(world.practices[ONE]):
        goal_id = db.session.scalar(select(Goal.id))

    changed = alice.htmx("POST", f"/{ONE}/goals/{goal_id}/status", {"status": "in_progress"})
    assert changed.status_code == 200 and '<option value="in_progress" selected>' in changed.get_data(as_text=True)

    form = alice.htmx("GET", f"/{ONE}/goals/{goal_id}/edit")
    assert form.status_code == 200 and 'value="Write a CV"' in form.get_data(as_text=True)
    saved = alice.htmx(
        "POST", f"/{ONE}/goals/{goal_id}/edit",
        {"title": "Write a strong CV", "description": "With Alice", "status": "reached", "target_date": "2026-12-01"},
    )
    assert saved.status_code == 200 and "Write a strong CV" in saved.get_data(as_text=True)
    assert stored_goals(app, world) == [("Write a strong CV", "With Alice", "reached", date(2026, 12, 1))]

    deleted = alice.htmx("POST", f"/{ONE}/goals/{goal_id}/delete")
    assert deleted.status_code == 200 and "No goals yet." in deleted.get_data(as_text=True)
    assert stored_goals(app, world) == []


def test_it_works_without_javascript_for_the_coach_too(app, world, as_persona):
    goal_id = add_goal(app, world)
    alice = as_persona("alice", lang="en")
    response = alice.post(f"/{ONE}/goals/{goal_id}/status", {"status": "dropped"})
    assert response.status_code == 303 and response.headers["Location"].endswith(goals_url(world))
    page = alice.get(goals_url(world)).get_data(as_text=True)
    assert "Goals of Carol Test" in page and '<option value="dropped" selected>' in page
    edit = alice.get(f"/{ONE}/goals/{goal_id}/edit")
    assert edit.status_code == 200 and "<h1>Edit goal</h1>" in edit.get_data(as_text=True)
    assert alice.post(f"/{ONE}/goals/{goal_id}/delete").status_code == 303
    assert stored_goals(app, world) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"new-title": ""}, "Describe the goal in a few words."),
        ({"new-title": "   "}, "Describe the goal in a few words."),
        ({"new-title": "t" * 201}, "Keep the goal under 200 characters."),
        ({"new-description": "d" * 5001}, "Keep the description under 5000 characters."),
        ({"new-target_date": "1899-12-31"}, "Enter a target date between 1900 and twenty years from now."),
        ({"new-target_date": f"{date.today().year + 21}-01-01"}, "Enter a target date between 1900 and twenty years from now."),
        ({"new-target_date": "not-a-date"}, "Not a valid date value."),
        ({"new-status": "done"}, "Not a valid choice."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_bad_goal_with_a_message_and_stores_nothing(app, world, as_persona, fields, message, htmx):
    carol = as_persona("carol", lang="en")
    data = new_goal(**fields)
    response = carol.htmx("POST", goals_url(world), data) if htmx else carol.post(goals_url(world), data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'aria-invalid="true"' in text
    assert "<details class=\"goal-new\" open>" in text, "the form stays open with the errors"
    assert stored_goals(app, world) == []


def test_it_accepts_the_longest_title_and_the_furthest_target_date(app, world, as_persona):
    from app.goals.forms import latest_target

    carol = as_persona("carol", lang="en")
    data = new_goal("t" * 200, **{"new-description": "d" * 5000, "new-target_date": latest_target().isoformat()})
    assert carol.post(goals_url(world), data).status_code == 303
    assert stored_goals(app, world) == [("t" * 200, "d" * 5000, "open", latest_target())]


def test_it_refuses_a_bad_edit_and_changes_nothing(app, world, as_persona):
    goal_id = add_goal(app, world, "Keep this", "And this")
    alice = as_persona("alice", lang="en")
    response = alice.htmx(
        "POST", f"/{ONE}/goals/{goal_id}/edit", {"title": "", "description": "x", "status": "open", "target_date": ""}
    )
    assert response.status_code == 422 and "Describe the goal in a few words." in response.get_data(as_text=True)
    status = alice.htmx("POST", f"/{ONE}/goals/{goal_id}/status", {"status": "finished"})
    assert status.status_code == 422 and "Not a valid choice." in status.get_data(as_text=True)
    plain = alice.post(f"/{ONE}/goals/{goal_id}/edit", {"title": "x" * 201, "status": "open"})
    assert plain.status_code == 422 and "Keep the goal under 200 characters." in plain.get_data(as_text=True)
    assert stored_goals(app, world) == [("Keep this", "And this", "open", None)]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("admin", 403), ("eve", 302)],
)
def test_it_shows_and_changes_carols_goals_only_for_her_and_her_coach(app, world, as_persona, persona, status):
    goal_id = add_goal(app, world, "Secret goal")
    visitor = as_persona(persona, lang="en")
    for url in (goals_url(world), f"/{ONE}/goals/{goal_id}/edit"):
        response = visitor.get(url)
        assert response.status_code == status
        if status != 200:
            assert b"Secret goal" not in response.data
    changed = visitor.post(f"/{ONE}/goals/{goal_id}/status", {"status": "reached"})
    deleted_status = visitor.post(f"/{ONE}/goals/{goal_id}/delete").status_code
    expected_change = 303 if status == 200 else status
    assert changed.status_code == expected_change and deleted_status == expected_change
    assert stored_goals(app, world) == ([] if status == 200 else [("Secret goal", None, "open", None)])


def test_it_keeps_my_goals_for_clients_only_and_sends_visitors_to_sign_in(world, as_persona, visitor):
    assert as_persona("alice").get(f"/{ONE}/goals/").status_code == 403
    assert as_persona("dave").get(f"/{ONE}/goals/").status_code == 200
    for url in (f"/{ONE}/goals/", goals_url(world)):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_renders_a_script_in_a_goal_inert_everywhere(app, world, as_persona):
    goal_id = add_goal(app, world, XSS, XSS)
    carol, alice = as_persona("carol", lang="en"), as_persona("alice", lang="en")
    pages = [
        carol.get(f"/{ONE}/goals/"),
        carol.get(f"/{ONE}/goals/{goal_id}/edit"),
        carol.htmx("GET", f"/{ONE}/goals/{goal_id}/edit"),
        alice.htmx("GET", section_url(world)),
        alice.get(section_url(world)),
        alice.get(goals_url(world)),
        alice.htmx("POST", f"/{ONE}/goals/{goal_id}/status", {"status": "reached"}),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert XSS not in text and "<script>alert" not in text and "<img src=x" not in text
        assert ESCAPED in text


def test_it_keeps_title_and_description_encrypted_at_rest(app, world, as_persona, instance):
    title, description = f"title-{secrets.token_hex(8)}", f"description-{secrets.token_hex(8)}"
    carol = as_persona("carol", lang="en")
    carol.post(goals_url(world), new_goal(title, **{"new-description": description}))
    path = instance / "tenants" / f"{ONE}.sqlite"
    raw = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    assert title.encode() not in raw and description.encode() not in raw
    assert stored_goals(app, world) == [(title, description, "open", None)]
    assert title in carol.get(f"/{ONE}/goals/").get_data(as_text=True)


def test_it_audits_every_read_and_change_by_field_name_only(app, world, as_persona):
    goal_id = add_goal(app, world, "Audited goal", "Private why")
    alice = as_persona("alice", lang="en")
    alice.get(goals_url(world))
    alice.htmx("GET", f"/{ONE}/goals/{goal_id}/edit")
    alice.get(f"/{ONE}/goals/{goal_id}/edit")
    alice.post(f"/{ONE}/goals/{goal_id}/edit", {"title": "Audited goal", "description": "New why", "status": "open"})
    alice.post(f"/{ONE}/goals/{goal_id}/delete")
    with app.app_context(), use_practice(world.practices[ONE]):
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("goal%")).order_by(AuditEvent.id)))
    actions = [e.action for e in events]
    assert actions == ["goals.read", "goals.read", "goal.read", "goal.updated", "goal.deleted"]
    assert all(e.actor_id == world.ids["alice"] for e in events)
    updated = events[3]
    assert updated.object_id == goal_id and '"fields": ["description"]' in updated.detail
    assert all("why" not in (e.detail or "") and "Audited" not in (e.detail or "") for e in events)


# --- programmes and linked exercises ---------------------------------------------------------------


def give_exercise(app, world, title: str, client: str = "carol", coach: str = "alice") -> tuple[int, int]:
    """An exercise with one question, given by coach to client; returns (exercise id, assignment id)."""
    from werkzeug.datastructures import MultiDict

    from app.accounts import services as accounts
    from app.exercises import builder
    from app.exercises.services import assign_exercise

    with app.app_context(), use_practice(world.practices[ONE]):
        by = accounts.user_by_id(world.ids[coach])
        exercise = builder.create_exercise(by, title)
        builder.add_question(by, exercise, MultiDict({"kind": "short_text", "prompt": "Why?"}))
        assignment = assign_exercise(by, accounts.user_by_id(world.ids[client]), exercise.id)
        db.session.commit()
        return exercise.id, assignment.id


def start_programme(app, world, title: str, client: str = "carol", coach: str = "alice") -> int:
    from app.accounts import services as accounts
    from app.programmes.services import start_programme as start

    with app.app_context(), use_practice(world.practices[ONE]):
        programme = start(
            accounts.user_by_id(world.ids[coach]), accounts.user_by_id(world.ids[client]),
            {"title": title, "status": "active", "starts_on": date.today()},
        )
        db.session.commit()
        return programme.id


def linked_ids(app, world, goal_id: int) -> list[int]:
    from app.goals.models import GoalExercise

    with app.app_context(), use_practice(world.practices[ONE]):
        return sorted(db.session.scalars(select(GoalExercise.exercise_id).where(GoalExercise.goal_id == goal_id)))


def programme_of(app, world, goal_id: int) -> int | None:
    with app.app_context(), use_practice(world.practices[ONE]):
        return db.session.get(Goal, goal_id).programme_id


def links(goal_id: int, *exercise_ids: int | str) -> dict[str, list[str]]:
    return {f"goal-{goal_id}-exercises": [str(e) for e in exercise_ids]}


def test_it_lets_the_coach_link_and_unlink_exercises_that_the_client_then_sees(app, world, as_persona):
    goal_id = add_goal(app, world, "Find work I enjoy")
    values, values_assignment = give_exercise(app, world, "Values card")
    strengths, strengths_assignment = give_exercise(app, world, "Strengths")
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")

    section = alice.htmx("GET", section_url(world)).get_data(as_text=True)
    assert "Link exercises" in section and f'name="goal-{goal_id}-exercises" type="checkbox" value="{values}"' in section
    linked = alice.htmx("POST", f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, values, strengths))
    assert linked.status_code == 200
    text = linked.get_data(as_text=True)
    assert "<html" not in text and "Linked exercises" in text
    assert f'<a href="/{ONE}/exercises/assignments/{values_assignment}">Values card</a>' in text
    assert f'<a href="/{ONE}/exercises/assignments/{strengths_assignment}">Strengths</a>' in text
    assert linked_ids(app, world, goal_id) == sorted([values, strengths])

    mine = carol.get(f"/{ONE}/goals/").get_data(as_text=True)
    assert f'<a href="/{ONE}/exercises/assignments/{values_assignment}">Values card</a>' in mine
    assert "Link exercises" not in mine and f'name="goal-{goal_id}-exercises"' not in mine
    assert carol.get(f"/{ONE}/exercises/assignments/{values_assignment}").status_code == 200

    # The set is replaced on save: one left, then none (no box ticked, without JavaScript).
    assert alice.htmx("POST", f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, strengths)).status_code == 200
    assert linked_ids(app, world, goal_id) == [strengths]
    plain = alice.post(f"/{ONE}/goals/{goal_id}/exercises", {})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(goals_url(world))
    assert linked_ids(app, world, goal_id) == []
    assert "Linked exercises" not in carol.get(f"/{ONE}/goals/").get_data(as_text=True)


def test_it_lets_the_client_see_the_links_but_not_change_them(app, world, as_persona):
    goal_id = add_goal(app, world, "Keep my links")
    values, _ = give_exercise(app, world, "Values card")
    strengths, _ = give_exercise(app, world, "Strengths")
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    assert alice.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, values)).status_code == 303

    # The coach's form is closed to her...
    assert carol.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, strengths)).status_code == 403
    assert carol.htmx("POST", f"/{ONE}/goals/{goal_id}/exercises", links(goal_id)).status_code == 403
    # ...her own edit form has no such field, and exercise ids sent along with it are ignored.
    for form in (carol.get(f"/{ONE}/goals/{goal_id}/edit"), carol.htmx("GET", f"/{ONE}/goals/{goal_id}/edit")):
        text = form.get_data(as_text=True)
        assert form.status_code == 200 and "Link exercises" not in text
        assert f'name="goal-{goal_id}-exercises"' not in text and 'type="checkbox"' not in text
    edited = carol.post(
        f"/{ONE}/goals/{goal_id}/edit",
        {"title": "Keep my links", "status": "open", "exercises": [str(strengths)], **links(goal_id, strengths)},
    )
    assert edited.status_code == 303
    assert linked_ids(app, world, goal_id) == [values]
    assert "Values card" in carol.get(f"/{ONE}/goals/").get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_an_exercise_not_given_to_the_client_and_changes_nothing(app, world, as_persona, htmx):
    goal_id = add_goal(app, world)
    mine, _ = give_exercise(app, world, "Values card")
    daves, _ = give_exercise(app, world, "Dave's exercise", client="dave", coach="bob")
    alice = as_persona("alice", lang="en")
    assert alice.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, mine)).status_code == 303
    url = f"/{ONE}/goals/{goal_id}/exercises"
    for data, message in (
        (links(goal_id, daves), "Choose only exercises given to this client."),
        (links(goal_id, daves, mine), "Choose only exercises given to this client."),
        (links(goal_id, 999_999), "Choose only exercises given to this client."),
        (links(goal_id, "values"), "could not be coerced"),
    ):
        response = alice.htmx("POST", url, data) if htmx else alice.post(url, data)
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and message in text
        assert f'id="goal-{goal_id}-exercises-errors"' in text, "the message sits next to the field"
        assert '<details class="goal-new goal-link" open>' in text, "the form stays open with the message"
        assert "Dave&#39;s exercise" not in text and "Dave's exercise" not in text
        assert linked_ids(app, world, goal_id) == [mine]


@pytest.mark.parametrize(("persona", "status"), [("bob", 404), ("dave", 403), ("admin", 403), ("eve", 302)])
def test_it_lets_no_one_but_the_clients_coach_link_exercises(app, world, as_persona, persona, status):
    goal_id = add_goal(app, world)
    exercise_id, _ = give_exercise(app, world, "Values card")
    visitor = as_persona(persona, lang="en")
    response = visitor.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, exercise_id))
    assert response.status_code == status and b"Values card" not in response.data
    assert linked_ids(app, world, goal_id) == []


def test_it_audits_linking_with_ids_only(app, world, as_persona):
    goal_id = add_goal(app, world, "Audited goal")
    values, _ = give_exercise(app, world, "Values card")
    strengths, _ = give_exercise(app, world, "Strengths")
    alice = as_persona("alice", lang="en")
    alice.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, strengths, values))
    alice.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, strengths, values))  # unchanged: no event
    alice.post(f"/{ONE}/goals/{goal_id}/exercises", {})
    with app.app_context(), use_practice(world.practices[ONE]):
        events = list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "goal.exercises_linked").order_by(AuditEvent.id)
        ))
    assert [(e.object_type, e.object_id, e.actor_id) for e in events] == [("goal", goal_id, world.ids["alice"])] * 2
    assert json.loads(events[0].detail) == {"client_id": world.ids["carol"], "exercise_ids": sorted([values, strengths])}
    assert json.loads(events[1].detail) == {"client_id": world.ids["carol"], "exercise_ids": []}
    assert all("Values" not in e.detail and "Audited" not in e.detail for e in events)


def test_it_ties_a_goal_to_one_of_the_clients_programmes(app, world, as_persona):
    programme_id = start_programme(app, world, "Back to work")
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    form = alice.htmx("GET", section_url(world)).get_data(as_text=True)
    assert '<label for="new-programme_id">Programme (optional)</label>' in form
    assert f'<option value="{programme_id}">Back to work</option>' in form
    assert alice.post(goals_url(world), new_goal("Write a CV", **{"new-programme_id": str(programme_id)})).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        goal_id = db.session.scalar(select(Goal.id))
    assert programme_of(app, world, goal_id) == programme_id
    assert "Programme: Back to work" in carol.get(f"/{ONE}/goals/").get_data(as_text=True)
    assert "Programme: Back to work" in alice.get(goals_url(world)).get_data(as_text=True)
    # The client may move her own goal out of the programme again.
    edited = carol.post(f"/{ONE}/goals/{goal_id}/edit", {"title": "Write a CV", "status": "open", "programme_id": ""})
    assert edited.status_code == 303 and programme_of(app, world, goal_id) is None


def test_it_offers_no_programme_select_without_programmes(world, as_persona):
    text = as_persona("carol", lang="en").get(f"/{ONE}/goals/").get_data(as_text=True)
    assert "Programme (optional)" not in text


@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_programme_of_another_client_and_stores_nothing(app, world, as_persona, htmx):
    start_programme(app, world, "Carol's programme")
    foreign = start_programme(app, world, "Dave's programme", client="dave", coach="bob")
    goal_id = add_goal(app, world, "Keep this")
    alice = as_persona("alice", lang="en")

    def send(url: str, data: dict):
        return alice.htmx("POST", url, data) if htmx else alice.post(url, data)

    for value, message in ((str(foreign), "Choose one of the programmes in the list."), ("abc", "Invalid Choice")):
        created = send(goals_url(world), new_goal("New goal", **{"new-programme_id": value}))
        text = created.get_data(as_text=True)
        assert created.status_code == 422 and message in text and 'id="new-programme_id-errors"' in text
        assert "Dave&#39;s programme" not in text and "Dave's programme" not in text
        edited = send(f"/{ONE}/goals/{goal_id}/edit", {"title": "Changed", "status": "open", "programme_id": value})
        assert edited.status_code == 422 and message in edited.get_data(as_text=True)
    assert stored_goals(app, world) == [("Keep this", None, "open", None)]
    assert programme_of(app, world, goal_id) is None


def test_it_shows_the_goals_section_in_the_same_number_of_queries_for_1_and_for_8_goals(app, world, as_persona):
    from tests.querycount import count_queries

    start_programme(app, world, "Back to work")
    exercises = [give_exercise(app, world, f"Exercise {i}")[0] for i in range(3)]
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")

    def add_linked_goals(count: int) -> None:
        for i in range(count):
            goal_id = add_goal(app, world, f"Goal {i}")
            alice.post(f"/{ONE}/goals/{goal_id}/exercises", links(goal_id, *exercises[: 1 + i % 3]))

    def statements(visitor, url: str, htmx: bool) -> int:
        visitor.get(url)  # warm caches outside the count
        with count_queries() as found:
            response = visitor.htmx("GET", url) if htmx else visitor.get(url)
        assert response.status_code == 200 and "Exercise 0" in response.get_data(as_text=True)
        return len(found)

    pages = ((alice, section_url(world), True), (alice, goals_url(world), False), (carol, f"/{ONE}/goals/", False))
    add_linked_goals(1)
    small = [statements(*page) for page in pages]
    add_linked_goals(7)
    assert [statements(*page) for page in pages] == small
