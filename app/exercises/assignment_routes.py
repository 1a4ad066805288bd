"""Answering an exercise (the client) and reviewing it (the coach).

Each answer is saved on its own as the client types or picks (htmx). A save names the
revision its window started from: a save from a window that missed another window's
save still wins, and is answered 409 with a message saying it replaced the other text.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role
from app.clients.sections import dossier_section
from app.exercises import builder, services
from app.exercises.models import Assignment, AssignmentStatus, Question, QuestionKind
from app.exercises.questions import (
    KIND_LABELS,
    QuestionError,
    load_answer,
    ranking_order,
)
from app.exercises.routes import bp
from app.extensions import db
from app.programmes import services as programmes
from app.web.htmx import is_htmx
from app.web.nav import NavItem, register_nav

register_nav(NavItem("practice.exercises.mine", _l("My exercises"), (Role.CLIENT,), 20))


def _common() -> dict[str, Any]:
    return {"status_labels": services.STATUS_LABELS, "kinds": KIND_LABELS, "QuestionKind": QuestionKind,
            "load_answer": load_answer, "ranking_order": ranking_order, "as_date": date.fromisoformat}


@bp.get("/mine")
@role_required(Role.CLIENT)
def mine() -> str:
    """The client's exercises."""
    # Exercises of programme steps that are still locked wait in the programme, not here.
    locked = programmes.locked_assignment_ids(current_user)
    assignments = [a for a in services.assignments_for(current_user) if a.id not in locked]
    return render_template("exercises/mine.html", assignments=assignments, **_common())


def _assignment_page(assignment: Assignment, status: int = 200, **extra: Any) -> Response:
    """The assignment as the viewer may see it: the client's form, or the coach's review."""
    questions = builder.questions_of(assignment.version)
    is_client = current_user.id == assignment.client_id
    if is_client and assignment.id in programmes.locked_assignment_ids(current_user):
        return make_response(render_template("exercises/locked.html", assignment=assignment), status)
    # A coach sees answers once they were handed in; the client always sees their own.
    shows_answers = is_client or assignment.status != AssignmentStatus.OPEN
    answers = services.answers_of(assignment) if shows_answers else {}
    if shows_answers:
        services.audit_read(current_user, assignment)
    db.session.commit()
    context = {
        "assignment": assignment,
        "version": assignment.version,
        "questions": questions,
        "answers": answers,
        "answered": services.answered_count(assignment) if not shows_answers else None,
        "is_client": is_client,
        "editable": is_client and assignment.status == AssignmentStatus.OPEN,
        "show_feedback": not is_client or services.feedback_visible_to_client(assignment),
        "errors": {},
        "missing": [],
        **_common(),
        **extra,
    }
    template = "exercises/answer.html" if is_client else "exercises/review.html"
    return make_response(render_template(template, **context), status)


@bp.get("/assignments/<int:assignment_id>")
@role_required(Role.CLIENT, Role.COACH)
def assignment(assignment_id: int) -> Response:
    """An exercise given to a client (reading its answers is audited)."""
    return _assignment_page(services.get_assignment_or_404(assignment_id))


@bp.post("/assignments/<int:assignment_id>/answers/<int:question_id>")
@role_required(Role.CLIENT)
def save_answer(assignment_id: int, question_id: int) -> Response:
    """Save one answer: 200 saved, 409 saved over another window's save or locked, 422 refused."""
    assignment = services.get_assignment_or_404(assignment_id)
    question = services.question_of(assignment, question_id)
    if question is None or current_user.id != assignment.client_id:
        abort(404)
    base = request.form.get("revision", type=int)
    if assignment.id in programmes.locked_assignment_ids(current_user):
        return _save_response(assignment, question, 409, error=_("This exercise is not available yet."), revision=base)
    try:
        result = services.save_answer(current_user, assignment, question, request.form, base)
    except QuestionError as error:
        db.session.rollback()
        # The window keeps the revision it started from: nothing changed for it.
        return _save_response(assignment, question, 422, error=str(error), revision=base)
    except services.AssignmentLocked as error:
        db.session.rollback()
        return _save_response(assignment, question, 409, error=str(error), revision=base)
    db.session.commit()
    status = 409 if result.conflict else 200
    return _save_response(assignment, question, status, conflict=result.conflict, revision=result.answer.revision)


def _save_response(assignment: Assignment, question: Question, status: int, **state: Any) -> Response:
    """htmx gets the question's save state (a ranking: the whole question); a browser the page."""
    if not is_htmx():
        if status == 200:
            return redirect(url_for(".assignment", assignment_id=assignment.id) + f"#q-{question.id}", 303)
        if state.get("conflict"):
            flash(_("This answer was changed in another window; what you sent was saved over it."), "error")
            return redirect(url_for(".assignment", assignment_id=assignment.id) + f"#q-{question.id}", 303)
        return _assignment_page(assignment, status, errors={question.id: state.get("error")})
    answer = services.answer_to(assignment, question)
    template = "exercises/_answer_question.html" if question.kind == QuestionKind.RANKING else "exercises/_save_state.html"
    context = {
        "assignment": assignment, "question": question, "answer": answer, "editable": True,
        "state": {"status": status, **state}, "errors": {}, **_common(),
    }
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


@bp.post("/assignments/<int:assignment_id>/submit")
@role_required(Role.CLIENT)
def submit(assignment_id: int) -> Response:
    """Hand in the answers: every question must be answered; they are locked after."""
    assignment = services.get_assignment_or_404(assignment_id)
    if current_user.id != assignment.client_id:
        abort(404)
    try:
        services.submit_assignment(current_user, assignment)
    except services.MissingAnswers as error:
        db.session.rollback()
        message = _("Answer this question before you hand in the exercise.")
        return _assignment_page(
            assignment, 422, missing=error.question_ids, errors={qid: message for qid in error.question_ids}
        )
    except services.AssignmentLocked as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".assignment", assignment_id=assignment.id), 303)
    db.session.commit()
    flash(_("You handed in the exercise. Your coach has been told."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment.id), 303)


@bp.post("/assignments/<int:assignment_id>/reopen")
@role_required(Role.COACH)
def reopen(assignment_id: int) -> Response:
    """Unlock handed-in answers so the client can change them."""
    assignment = services.get_assignment_or_404(assignment_id)
    services.reopen_assignment(current_user, assignment)
    db.session.commit()
    flash(_("The exercise is open again; the client can change their answers."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment.id), 303)


@bp.post("/assignments/<int:assignment_id>/feedback")
@role_required(Role.COACH)
def feedback(assignment_id: int) -> Response:
    """Save feedback per question and overall; "review" also shows it to the client."""
    assignment = services.get_assignment_or_404(assignment_id)
    per_question = {
        q.id: request.form.get(f"feedback-{q.id}", "") for q in builder.questions_of(assignment.version)
    }
    mark_reviewed = request.form.get("action") == "review"
    try:
        services.save_feedback(current_user, assignment, per_question, request.form.get("overall", ""), mark_reviewed)
    except (QuestionError, services.ExerciseError) as error:
        db.session.rollback()
        return _assignment_page(assignment, 422, feedback_error=str(error), draft=request.form)
    db.session.commit()
    flash(_("Your feedback has been sent to the client.") if mark_reviewed else _("Your feedback has been saved; the client sees it once you send it."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment.id), 303)


@dossier_section("exercises", _l("Exercises"), "exercises/_dossier_section.html", order=30)
def _dossier_section(client, viewer):  # type: ignore[no-untyped-def]
    assignments = services.assignments_for(client)
    return {
        "assignments": assignments,
        "status_labels": services.STATUS_LABELS,
        "library": builder.library(),
        "today": date.today(),
    }
