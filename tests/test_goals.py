"""Goals: kept by a client and their coach, encrypted, audited, changed with htmx."""
from __future__ import annotations

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
