"""Goals of a client: the client's own page, the coach's dossier section, and htmx edits."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.goals import services
from app.goals.forms import ExerciseLinksForm, GoalForm, StatusForm
from app.goals.models import Goal, GoalStatus
from app.programmes.services import programmes_for
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("goals", __name__, url_prefix="/goals")

register_nav(NavItem("practice.goals.mine", _l("My goals"), (Role.CLIENT,), 70))

NEW_PREFIX = "new"


def _programme_choices(client: User) -> list[tuple[int, str]]:
    return [(p.id, p.title) for p in programmes_for(client)]


def _goal_form(programmes: list[tuple[int, str]], **kwargs: Any) -> GoalForm:
    """The goal form, offering the client's programmes."""
    form = GoalForm(**kwargs)
    form.set_programmes(programmes)
    return form


def _new_form(programmes: list[tuple[int, str]], formdata: bool = False) -> GoalForm:
    if formdata:
        return _goal_form(programmes, prefix=NEW_PREFIX)
    return _goal_form(programmes, prefix=NEW_PREFIX, formdata=None)


def _can_link() -> bool:
    """Only coaches link goals to exercises; the client sees the links."""
    return bool(current_user.role == Role.COACH)


def _links_form(
    goal_id: int, choices: dict[int, Any], formdata: Any = None, linked: list[int] | None = None
) -> ExerciseLinksForm:
    """The exercise checkboxes of one goal (each goal its own prefix, so ids stay unique in the list)."""
    if formdata is None:
        form = ExerciseLinksForm(prefix=f"goal-{goal_id}", formdata=None, data={"exercises": linked or []})
    else:
        form = ExerciseLinksForm(prefix=f"goal-{goal_id}", formdata=formdata)
    form.exercises.choices = [(exercise_id, assignment.title) for exercise_id, assignment in choices.items()]
    return form


def _list_context(client: User, *, audited: bool = True, **overrides: Any) -> dict[str, Any]:
    """What the goal list fragment needs, in the same few queries for any number of goals.

    Reading the goals is audited unless the caller audits.
    """
    goals = services.goals_of(client, current_user, audited=audited)
    programmes = programmes_for(client)
    choices = services.exercise_choices(client)
    linked_ids, linked = services.linked_exercises(goals, choices)
    links_forms = (
        {goal.id: _links_form(goal.id, choices, linked=linked_ids[goal.id]) for goal in goals} if _can_link() else {}
    )
    refused = overrides.pop("links_form", None)
    if refused is not None:  # a refused change: shown with its errors
        links_forms[overrides["linking"]] = refused
    context: dict[str, Any] = {
        "client": client,
        "goals": goals,
        "new_form": _new_form([(p.id, p.title) for p in programmes]),
        "editing": None,
        "edit_form": None,
        "status_error": None,
        "statuses": [(s, GoalStatus.LABELS[s]) for s in GoalStatus.ALL],
        "target_passed": services.target_passed,
        "programme_titles": {p.id: p.title for p in programmes},
        "linked": linked,
        "links_forms": links_forms,
        "has_exercises": bool(choices),
        "linking": None,
    }
    context.update(overrides)
    return context


def _list(client: User, status: int = 200, **overrides: Any) -> Response:
    context = _list_context(client, **overrides)
    # Rendered before the commit: committing first would expire the goals and reload them one by one.
    response = page_or_fragment("goals/index.html", "goals/_goals.html", status, **context)
    db.session.commit()
    return response


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
    form = _new_form(_programme_choices(client), formdata=True)
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
    form = _goal_form(_programme_choices(client), obj=goal)
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


@bp.post("/<int:goal_id>/exercises")
@role_required(Role.COACH)
def link_exercises(goal_id: int) -> Response:
    """Replace the exercises a goal is linked to: only exercises given to its client (the coach only)."""
    goal = services.get_goal_or_404(goal_id)
    client = services.client_of(goal)
    choices = services.exercise_choices(client)
    # Explicit form data: with the CSRF token in a header, no box ticked means an empty form.
    form = _links_form(goal.id, choices, formdata=request.form)
    if not form.validate_on_submit():
        return _list(client, 422, linking=goal.id, links_form=form)
    services.set_exercises(current_user, goal, form.exercises.data or [])
    if not is_htmx():
        db.session.commit()
        return _back(client)
    return _list(client)


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
    # The dossier commits its audit event before rendering; detached, the goals keep what was
    # loaded instead of being reloaded one query per goal.
    for goal in context["goals"]:
        db.session.expunge(goal)
    return context
