"""Goals of a client: the client's own page, the coach's dossier section, and htmx edits."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.goals import services
from app.goals.forms import GoalForm, StatusForm
from app.goals.models import Goal, GoalStatus
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("goals", __name__, url_prefix="/goals")

register_nav(NavItem("practice.goals.mine", _l("My goals"), (Role.CLIENT,), 70))

NEW_PREFIX = "new"


def _new_form(formdata: bool = False) -> GoalForm:
    return GoalForm(prefix=NEW_PREFIX) if formdata else GoalForm(prefix=NEW_PREFIX, formdata=None)


def _list_context(client: User, *, audited: bool = True, **overrides: Any) -> dict[str, Any]:
    """What the goal list fragment needs; reading the goals is audited unless the caller audits."""
    context: dict[str, Any] = {
        "client": client,
        "goals": services.goals_of(client, current_user, audited=audited),
        "new_form": _new_form(),
        "editing": None,
        "edit_form": None,
        "status_error": None,
        "statuses": [(s, GoalStatus.LABELS[s]) for s in GoalStatus.ALL],
        "target_passed": services.target_passed,
    }
    context.update(overrides)
    return context


def _list(client: User, status: int = 200, **overrides: Any) -> Response:
    context = _list_context(client, **overrides)
    db.session.commit()
    return page_or_fragment("goals/index.html", "goals/_goals.html", status, **context)


def _back(client: User) -> Response:
    """Where a plain (non-htmx) form goes after a change."""
    if current_user.id == client.id:
        return redirect(url_for("practice.goals.mine"), 303)
    return redirect(url_for("practice.goals.index", client_id=client.id), 303)


@bp.get("/")
@role_required(Role.CLIENT)
def mine() -> Response:
    """The client's own goals."""
    return _list(current_user)


@bp.get("/clients/<int:client_id>")
@role_required(Role.COACH, Role.CLIENT)
def index(client_id: int) -> Response:
    """A client's goals (the page, or the list fragment for htmx)."""
    return _list(get_client_or_404(client_id))


@bp.post("/clients/<int:client_id>")
@role_required(Role.COACH, Role.CLIENT)
def create(client_id: int) -> Response:
    """Add a goal for a client."""
    client = get_client_or_404(client_id)
    form = _new_form(formdata=True)
    if not form.validate_on_submit():
        return _list(client, 422, new_form=form)
    services.create_goal(current_user, client, form.data)
    if not is_htmx():
        db.session.commit()
        return _back(client)
    return _list(client)


@bp.route("/<int:goal_id>/edit", methods=["GET", "POST"])
@role_required(Role.COACH, Role.CLIENT)
def edit(goal_id: int) -> Response:
    """Change a goal: inline in the list for htmx, on its own page otherwise."""
    goal = services.get_goal_or_404(goal_id)
    client = services.client_of(goal)
    form = GoalForm(obj=goal)
    if form.validate_on_submit():
        services.update_goal(current_user, goal, form.data)
        if not is_htmx():
            db.session.commit()
            return _back(client)
        return _list(client)
    status = 422 if form.is_submitted() else 200
    if is_htmx():
        return _list(client, status, editing=goal.id, edit_form=form)
    services.read_goal(goal, current_user)
    db.session.commit()
    return make_response(render_template("goals/edit.html", goal=goal, client=client, form=form), status)


@bp.post("/<int:goal_id>/status")
@role_required(Role.COACH, Role.CLIENT)
def status(goal_id: int) -> Response:
    """Change only the status of a goal (from the list)."""
    goal = services.get_goal_or_404(goal_id)
    client = services.client_of(goal)
    form = StatusForm()
    if not form.validate_on_submit():
        message = next(iter(form.status.errors or form.form_errors or [""]), "")
        return _list(client, 422, status_error=(goal.id, message))
    services.set_status(current_user, goal, form.status.data)
    if not is_htmx():
        db.session.commit()
        return _back(client)
    return _list(client)


@bp.post("/<int:goal_id>/delete")
@role_required(Role.COACH, Role.CLIENT)
def delete(goal_id: int) -> Response:
    """Remove a goal."""
    goal: Goal = services.get_goal_or_404(goal_id)
    client = services.client_of(goal)
    services.delete_goal(current_user, goal)
    if not is_htmx():
        db.session.commit()
        return _back(client)
    return _list(client)


@dossier_section("goals", _l("Goals"), "goals/_section.html", order=80)
def _goals_section(client, viewer):  # type: ignore[no-untyped-def]
    # The dossier audits reading its sections; no second event here.
    context = _list_context(client, audited=False)
    del context["client"]  # the dossier passes the client itself
    return context
