"""Routes of the goals package."""
from __future__ import annotations

from app.extensions import db
from app.goals.models import Goal, GoalStatus
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """A goal of carol's."""
    with app.app_context(), use_practice(world.practices[ONE]):
        goal = Goal(client_id=world.ids["carol"], title="Find work I enjoy", status=GoalStatus.OPEN)
        db.session.add(goal)
        db.session.commit()
        return {"carol": world.ids["carol"], "goal": goal.id}


def _client(ids: dict[str, int]) -> dict[str, object]:
    return {"client_id": ids["carol"]}


def _goal(ids: dict[str, int]) -> dict[str, object]:
    return {"goal_id": ids["goal"]}


ROUTES = [
    Route("practice.goals.mine", "GET", expect=for_roles(coach=403, client=200, admin=403)),
    Route("practice.goals.index", "GET", values=_client, expect=own_client_expectations(coach=200, client=200)),
    Route("practice.goals.edit", "GET", values=_goal, expect=own_client_expectations(coach=200, client=200)),
    Route(
        "practice.goals.create", "POST", values=_client,
        data={"new-title": "Write a CV", "new-status": "open"},
        expect=own_client_expectations(coach=303, client=303),
    ),
    Route(
        "practice.goals.edit", "POST", values=_goal,
        data={"title": "Find work I love", "status": "in_progress"},
        expect=own_client_expectations(coach=303, client=303),
    ),
    Route(
        "practice.goals.status", "POST", values=_goal, data={"status": "reached"},
        expect=own_client_expectations(coach=303, client=303),
    ),
    # Only the client's coach links a goal to exercises (nothing ticked: the links are cleared).
    Route(
        "practice.goals.link_exercises", "POST", values=_goal,
        expect={**own_client_expectations(coach=303, client=403), "dave": 403, "admin": 403},
    ),
    # Last: it removes the goal the routes above use.
    Route("practice.goals.delete", "POST", values=_goal, expect=own_client_expectations(coach=303, client=303)),
]
