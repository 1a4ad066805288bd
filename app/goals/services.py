"""Goals: listing, adding, changing and removing a client's goals; every read and change audited."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import case, select

from app.accounts.models import User
from app.audit.services import audit
from app.clients.access import can_view_client
from app.extensions import db
from app.goals.models import Goal, GoalStatus
from app.timeutil import utcnow

EDITABLE = ("title", "description", "status", "target_date")


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
