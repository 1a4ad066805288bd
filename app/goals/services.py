"""Goals: listing, adding, changing and removing a client's goals; every read and change audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import case, delete, select

from app.accounts.models import User
from app.audit.services import audit
from app.clients.access import can_view_client
from app.exercises.models import Assignment, Exercise
from app.exercises.services import assignments_for
from app.extensions import db
from app.goals.models import Goal, GoalExercise, GoalStatus
from app.timeutil import utcnow

EDITABLE = ("title", "description", "status", "target_date", "programme_id")


@dataclass(frozen=True)
class LinkedExercise:
    """An exercise linked to a goal, with the client's newest assignment of it (None when there is none)."""

    exercise_id: int
    title: str
    assignment_id: int | None


def get_goal_or_404(goal_id: int) -> Goal:
    """The goal with this id if the signed-in person may see its client; 404 for anything else."""
    goal = db.session.get(Goal, goal_id)
    if goal is None or not can_view_client(current_user, client_of(goal)):
        abort(404)
    return goal


def client_of(goal: Goal) -> User:
    """The client a goal belongs to (from the session's identity map once loaded)."""
    return db.session.get(User, goal.client_id)  # type: ignore[return-value]


def goals_of(client: User, actor: User | None = None, *, audited: bool = True) -> list[Goal]:
    """The client's goals, active ones first, then by target date; the read is audited (commit after)."""
    active_first = case((Goal.status.in_(GoalStatus.ACTIVE), 0), else_=1)
    goals = list(
        db.session.scalars(
            select(Goal)
            .where(Goal.client_id == client.id)
            .order_by(active_first, Goal.target_date.is_(None), Goal.target_date, Goal.id)
        )
    )
    if audited:
        audit("goals.read", "client", client.id, actor=actor, detail={"goals": len(goals)})
    return goals


def read_goal(goal: Goal, actor: User | None = None) -> Goal:
    """A single goal opened for editing; the read is audited (commit after)."""
    audit("goal.read", "goal", goal.id, actor=actor, detail={"client_id": goal.client_id})
    return goal


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": (values.get("title") or "").strip(),
        "description": (values.get("description") or "").strip() or None,
        "status": values.get("status") or GoalStatus.OPEN,
        "target_date": values.get("target_date"),
        "programme_id": values.get("programme_id") or None,
    }


def create_goal(actor: User, client: User, values: dict[str, Any]) -> Goal:
    """Add a goal for client (commit after)."""
    clean = _clean(values)
    if clean["status"] not in GoalStatus.ALL:
        raise ValueError("unknown goal status")
    goal = Goal(client_id=client.id, created_by_id=actor.id, **clean)
    db.session.add(goal)
    db.session.flush()
    audit("goal.created", "goal", goal.id, actor=actor, detail={"client_id": client.id})
    return goal


def update_goal(actor: User, goal: Goal, values: dict[str, Any]) -> list[str]:
    """Apply changed fields to goal; audits the names of the fields that changed (commit after)."""
    clean = {k: v for k, v in _clean(values).items() if k in values}
    if "status" in clean and clean["status"] not in GoalStatus.ALL:
        raise ValueError("unknown goal status")
    changed = sorted(field for field, value in clean.items() if getattr(goal, field) != value)
    if changed:
        for field in changed:
            setattr(goal, field, clean[field])
        goal.updated_at = utcnow()
        audit("goal.updated", "goal", goal.id, actor=actor, detail={"client_id": goal.client_id, "fields": changed})
    return changed


def set_status(actor: User, goal: Goal, status: str) -> bool:
    """Change only the status of goal; True when it changed (commit after)."""
    return bool(update_goal(actor, goal, {"status": status}))


def delete_goal(actor: User, goal: Goal) -> None:
    """Remove goal (its exercise links go with it); commit after."""
    audit("goal.deleted", "goal", goal.id, actor=actor, detail={"client_id": goal.client_id})
    db.session.delete(goal)


def target_passed(goal: Goal, today: date | None = None) -> bool:
    """True for an active goal whose target date lies in the past."""
    return bool(goal.target_date and goal.status in GoalStatus.ACTIVE and goal.target_date < (today or date.today()))


# --- programmes and linked exercises ----------------------------------------------------------


def exercise_choices(client: User) -> dict[int, Assignment]:
    """The exercises given to client, each with its newest assignment, newest first (one query)."""
    newest: dict[int, Assignment] = {}
    for assignment in assignments_for(client):  # newest first
        newest.setdefault(assignment.version.exercise_id, assignment)
    return newest


def linked_exercise_ids(goals: list[Goal]) -> dict[int, list[int]]:
    """The ids of the exercises linked to each of these goals, in one query."""
    linked: dict[int, list[int]] = {goal.id: [] for goal in goals}
    if linked:
        rows = db.session.execute(
            select(GoalExercise.goal_id, GoalExercise.exercise_id)
            .where(GoalExercise.goal_id.in_(linked))
            .order_by(GoalExercise.goal_id, GoalExercise.exercise_id)
        )
        for goal_id, exercise_id in rows:
            linked[goal_id].append(exercise_id)
    return linked


def linked_exercises(
    goals: list[Goal], choices: dict[int, Assignment]
) -> tuple[dict[int, list[int]], dict[int, list[LinkedExercise]]]:
    """Per goal: the linked exercise ids, and what to show of them (two queries at most, for any number of goals)."""
    ids = linked_exercise_ids(goals)
    unassigned = {e for linked in ids.values() for e in linked if e not in choices}
    titles = (
        dict(db.session.execute(select(Exercise.id, Exercise.title).where(Exercise.id.in_(unassigned))).all())
        if unassigned else {}
    )
    shown: dict[int, list[LinkedExercise]] = {}
    for goal_id, linked in ids.items():
        items = []
        for exercise_id in linked:
            assignment = choices.get(exercise_id)
            if assignment is not None:
                items.append(LinkedExercise(exercise_id, assignment.title, assignment.id))
            elif exercise_id in titles:
                items.append(LinkedExercise(exercise_id, titles[exercise_id], None))
        shown[goal_id] = sorted(items, key=lambda item: item.title.casefold())
    return ids, shown


def set_exercises(actor: User, goal: Goal, exercise_ids: list[int]) -> bool:
    """Replace the exercises linked to goal; audits the ids when the set changed (commit after).

    The caller checks that every id is an exercise given to the goal's client.
    """
    wanted = set(exercise_ids)
    current = set(linked_exercise_ids([goal])[goal.id])
    if wanted == current:
        return False
    if current - wanted:
        db.session.execute(
            delete(GoalExercise).where(GoalExercise.goal_id == goal.id, GoalExercise.exercise_id.in_(current - wanted))
        )
    for exercise_id in sorted(wanted - current):
        db.session.add(GoalExercise(goal_id=goal.id, exercise_id=exercise_id))
    goal.updated_at = utcnow()
    audit(
        "goal.exercises_linked", "goal", goal.id, actor=actor,
        detail={"client_id": goal.client_id, "exercise_ids": sorted(wanted)},
    )
    return True
