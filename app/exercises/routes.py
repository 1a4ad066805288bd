"""The exercise library and the form builder (coaches), and giving exercises to clients.

The answering and review pages live in assignment_routes, on the same blueprint.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.clients.access import get_client_or_404, visible_clients
from app.exercises import builder, services
from app.exercises.forms import AssignForm, AssignToClientForm, ExerciseDetailsForm
from app.exercises.models import Exercise, QuestionKind
from app.exercises.questions import KIND_LABELS, QuestionError
from app.extensions import db
from app.web.htmx import is_htmx
from app.web.nav import NavItem, register_nav

bp = Blueprint("exercises", __name__, url_prefix="/exercises")

register_nav(NavItem("practice.exercises.index", _l("Exercises"), (Role.COACH,), 30))


def _exercise_or_404(exercise_id: int) -> Exercise:
    exercise = builder.get_exercise(exercise_id)
    if exercise is None:
        abort(404)
    return exercise


@bp.get("/")
@role_required(Role.COACH)
def index() -> str:
    """The practice's library of exercises, and starting a new one."""
    exercises = builder.library()
    return render_template(
        "exercises/index.html",
        exercises=exercises,
        counts=builder.question_counts(exercises),
        archived=[e for e in builder.library(include_archived=True) if e.archived_at is not None],
        form=ExerciseDetailsForm(),
    )


@bp.post("/")
@role_required(Role.COACH)
def create() -> Response | tuple[str, int]:
    """Start a new exercise; the builder opens next."""
    form = ExerciseDetailsForm()
    if form.validate_on_submit():
        exercise = builder.create_exercise(current_user, form.title.data, form.instructions.data or "")
        db.session.commit()
        return redirect(url_for(".show", exercise_id=exercise.id), 303)
    exercises = builder.library()
    return render_template(
        "exercises/index.html", exercises=exercises, counts=builder.question_counts(exercises), archived=[], form=form
    ), 422


def _assign_form() -> AssignForm:
    """The form on an exercise's page: the coach's active clients."""
    form = AssignForm()
    clients = db.session.scalars(visible_clients(current_user).order_by(User.last_name, User.first_name))
    form.client_id.choices = [SelectChoice(c.id, c.full_name) for c in clients if c.active]
    return form


def _assign_to_client_form() -> AssignToClientForm:
    """The form in a client's dossier: the library."""
    form = AssignToClientForm()
    form.exercise_id.choices = [SelectChoice(e.id, e.title) for e in builder.library()]
    return form


def _builder_context(exercise: Exercise, **extra: Any) -> dict[str, Any]:
    version = builder.current_version(exercise)
    return {
        "exercise": exercise,
        "version": version,
        "questions": builder.questions_of(version),
        "frozen": builder.is_frozen(version),
        "kinds": KIND_LABELS,
        "QuestionKind": QuestionKind,
        "editing": request.args.get("edit", type=int),
        "error": None,
        "draft": MultiDict(),
        **extra,
    }


def _page(exercise: Exercise, status: int = 200, **extra: Any) -> tuple[str, int]:
    version = builder.current_version(exercise)
    context = _builder_context(exercise, **extra)
    context.setdefault("details", ExerciseDetailsForm(data={"title": version.title, "instructions": version.instructions}))
    context.setdefault("assign", _assign_form())
    context["assignments"] = services.assignments_of_exercise(current_user, exercise.id)
    context["status_labels"] = services.STATUS_LABELS
    return render_template("exercises/builder.html", **context), status


@bp.get("/<int:exercise_id>")
@role_required(Role.COACH)
def show(exercise_id: int) -> tuple[str, int]:
    """The builder: details, questions, and who has been given this exercise."""
    return _page(_exercise_or_404(exercise_id))


@bp.post("/<int:exercise_id>/details")
@role_required(Role.COACH)
def details(exercise_id: int) -> Response | tuple[str, int]:
    """Change the title and instructions."""
    exercise = _exercise_or_404(exercise_id)
    form = ExerciseDetailsForm()
    if form.validate_on_submit():
        try:
            changed = builder.update_details(current_user, exercise, form.title.data, form.instructions.data or "")
        except QuestionError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The exercise has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".show", exercise_id=exercise.id), 303)
    return _page(exercise, 422, details=form)


# The questions: every change answers htmx with the _questions fragment, a browser with the page.


def _questions_response(exercise: Exercise, status: int = 200, **extra: Any) -> Response | tuple[str, int]:
    if not is_htmx():
        if status == 200:
            return redirect(url_for(".show", exercise_id=exercise.id) + "#questions", 303)
        return _page(exercise, status, **extra)
    response = render_template("exercises/_questions.html", **_builder_context(exercise, **extra))
    return response, status


def _change_questions(exercise: Exercise, change: Any, question_id: int | None = None) -> Response | tuple[str, int]:
    """Apply change(); a refused change shows its message beside the form it came from."""
    try:
        change()
    except QuestionError as error:
        db.session.rollback()
        problem = {"field": error.field, "message": str(error), "question_id": question_id}
        return _questions_response(exercise, 422, error=problem, draft=request.form, editing=question_id)
    except builder.StaleQuestion:
        db.session.rollback()
        problem = {"field": None, "message": _("This exercise was changed in another window; here is how it is now."), "question_id": None}
        return _questions_response(exercise, 409, error=problem)
    db.session.commit()
    return _questions_response(exercise, editing=None)


@bp.get("/<int:exercise_id>/questions")
@role_required(Role.COACH)
def questions(exercise_id: int) -> Response | tuple[str, int]:
    """The questions fragment (with ?edit=<id>, that question as a form)."""
    exercise = _exercise_or_404(exercise_id)
    if not is_htmx():
        return redirect(url_for(".show", exercise_id=exercise.id, edit=request.args.get("edit", type=int)), 303)
    return render_template("exercises/_questions.html", **_builder_context(exercise)), 200


@bp.post("/<int:exercise_id>/questions")
@role_required(Role.COACH)
def add_question(exercise_id: int) -> Response | tuple[str, int]:
    """Append a question."""
    exercise = _exercise_or_404(exercise_id)
    return _change_questions(exercise, lambda: builder.add_question(current_user, exercise, request.form))


@bp.post("/<int:exercise_id>/questions/<int:question_id>")
@role_required(Role.COACH)
def update_question(exercise_id: int, question_id: int) -> Response | tuple[str, int]:
    """Change a question's text and set-up."""
    exercise = _exercise_or_404(exercise_id)
    return _change_questions(
        exercise, lambda: builder.update_question(current_user, exercise, question_id, request.form), question_id
    )


@bp.post("/<int:exercise_id>/questions/<int:question_id>/move")
@role_required(Role.COACH)
def move_question(exercise_id: int, question_id: int) -> Response | tuple[str, int]:
    """Move a question up or down one place."""
    exercise = _exercise_or_404(exercise_id)
    direction = request.form.get("direction", "")
    return _change_questions(exercise, lambda: builder.move_question(current_user, exercise, question_id, direction))


@bp.post("/<int:exercise_id>/questions/<int:question_id>/delete")
@role_required(Role.COACH)
def remove_question(exercise_id: int, question_id: int) -> Response | tuple[str, int]:
    """Remove a question."""
    exercise = _exercise_or_404(exercise_id)
    return _change_questions(exercise, lambda: builder.remove_question(current_user, exercise, question_id))


@bp.post("/<int:exercise_id>/archive")
@role_required(Role.COACH)
def archive(exercise_id: int) -> Response:
    """Take the exercise out of the library, or put it back (restore=1)."""
    exercise = _exercise_or_404(exercise_id)
    restore = request.form.get("restore") == "1"
    builder.set_archived(current_user, exercise, not restore)
    db.session.commit()
    flash(_("The exercise is back in the library.") if restore else _("The exercise has been archived; given exercises stay as they are."), "success")
    return redirect(url_for(".show", exercise_id=exercise.id) if restore else url_for(".index"), 303)


# Giving an exercise to a client -------------------------------------------------------------


def _assign(client: User | None, exercise_id: int | None, form: AssignForm | AssignToClientForm) -> bool:
    """Give the exercise if the form is valid; a refusal ends up on the form."""
    if not form.validate_on_submit() or client is None or exercise_id is None:
        return False
    try:
        assignment = services.assign_exercise(current_user, client, exercise_id, form.due_date.data)
    except services.ExerciseError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return False
    db.session.commit()
    flash(_("%(client)s has been given “%(title)s”.", client=client.full_name, title=assignment.title), "success")
    return True


@bp.post("/<int:exercise_id>/assign")
@role_required(Role.COACH)
def assign(exercise_id: int) -> Response | tuple[str, int]:
    """Give this exercise to one of the coach's clients."""
    exercise = _exercise_or_404(exercise_id)
    form = _assign_form()
    client = db.session.get(User, form.client_id.data) if form.client_id.data else None
    if _assign(client, exercise.id, form):
        return redirect(url_for(".show", exercise_id=exercise.id) + "#given", 303)
    return _page(exercise, 422, assign=form)


@bp.route("/for/<int:client_id>", methods=["GET", "POST"])
@role_required(Role.COACH)
def assign_to_client(client_id: int) -> Response | tuple[str, int]:
    """Give a client an exercise from the library (the same form sits in the dossier)."""
    client = get_client_or_404(client_id)
    form = _assign_to_client_form()
    if request.method == "POST":
        if _assign(client, form.exercise_id.data, form):
            return redirect(url_for("practice.clients.dossier", client_id=client.id) + "#section-exercises", 303)
        return render_template("exercises/assign.html", form=form, client=client), 422
    return render_template("exercises/assign.html", form=form, client=client), 200


from app.exercises import assignment_routes  # noqa: F401  (registers its routes on bp)
