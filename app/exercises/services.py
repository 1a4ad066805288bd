"""Exercises given to clients: assigning, answering (autosaved), submitting, reopening, feedback.

Other features (programmes) use `assign_exercise`, `assignment_status` and `assignments_for`.
Everything here leaves the commit to the caller.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _  # raised messages are translated when shown
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import can_view_client, visible_clients
from app.exercises import builder
from app.exercises.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    ExerciseVersion,
    Question,
)
from app.exercises.questions import (
    MAX_LONG_TEXT,
    QuestionError,
    dump_answer,
    is_answered,
    load_answer,
    parse_answer,
)
from app.extensions import db
from app.web.urls import practice_path
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.timeutil import utcnow

STATUS_LABELS = {
    AssignmentStatus.OPEN: _("To do"),
    AssignmentStatus.SUBMITTED: _("Handed in"),
    AssignmentStatus.REVIEWED: _("Feedback given"),
}


class ExerciseError(ValueError):
    """Something asked of an exercise or assignment that cannot be done; the message says why."""


class AssignmentLocked(ExerciseError):
    """The answers were handed in: they change only after the coach reopens the exercise."""


class MissingAnswers(ExerciseError):
    """Submitting while questions are unanswered; question_ids names them."""

    def __init__(self, question_ids: list[int]) -> None:
        super().__init__(_("Answer every question before you hand in the exercise."))
        self.question_ids = question_ids


@dataclass(frozen=True)
class SaveResult:
    """The outcome of saving an answer.

    conflict: the answer had been saved from elsewhere (another window) since this one
    loaded it; this save replaced it — later save wins, and the saving window is told.
    """

    answer: Answer
    changed: bool
    conflict: bool


def assignment_url(assignment: Assignment) -> str:
    """The path of an assignment inside the practice (ids only, fit for notifications)."""
    return practice_path("practice.exercises.assignment", assignment_id=assignment.id)


# Reading ------------------------------------------------------------------------------------


def assignment_status(assignment: Assignment) -> str:
    """"open" (the client is working on it), "submitted" (handed in) or "reviewed" (feedback given)."""
    return assignment.status


def assignments_for(client: User) -> list[Assignment]:
    """The client's assignments, newest first."""
    return list(
        db.session.scalars(
            select(Assignment).where(Assignment.client_id == client.id).order_by(Assignment.id.desc())
        )
    )


def assignments_of_exercise(viewer: User, exercise_id: int) -> list[Assignment]:
    """The assignments of an exercise (any version) to clients viewer may see."""
    visible = visible_clients(viewer).with_only_columns(User.id)
    return list(
        db.session.scalars(
            select(Assignment)
            .join(ExerciseVersion, ExerciseVersion.id == Assignment.version_id)
            .where(ExerciseVersion.exercise_id == exercise_id, Assignment.client_id.in_(visible))
            .options(joinedload(Assignment.client))
            .order_by(Assignment.id.desc())
        )
    )


def can_view_assignment(viewer: User, assignment: Assignment) -> bool:
    """The client it was given to and the coaches who may see that client."""
    return can_view_client(viewer, assignment.client)


def get_assignment_or_404(assignment_id: int) -> Assignment:
    """The assignment if the signed-in person may see it; 404 for anything else."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not can_view_assignment(current_user, assignment):
        abort(404)
    return assignment


def answer_to(assignment: Assignment, question: Question) -> Answer | None:
    """The saved answer to one question of an assignment, if any."""
    return db.session.scalar(
        select(Answer).where(Answer.assignment_id == assignment.id, Answer.question_id == question.id)
    )


def answers_of(assignment: Assignment) -> dict[int, Answer]:
    """The saved answers of an assignment by question id (decrypting them: audit the read)."""
    return {
        a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.assignment_id == assignment.id))
    }


def answered_count(assignment: Assignment) -> int:
    """How many questions have a saved answer (counted without reading them)."""
    return db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.assignment_id == assignment.id, Answer.value.is_not(None))
    ) or 0


# Dashboard figures: counts over many clients in one query each ----------------------------


def review_counts(client_ids: Collection[int] | Select[tuple[int]]) -> dict[int, int]:
    """Per client id: exercises handed in and not yet reviewed (one grouped query)."""
    rows = db.session.execute(
        select(Assignment.client_id, func.count())
        .where(Assignment.client_id.in_(client_ids), Assignment.status == AssignmentStatus.SUBMITTED)
        .group_by(Assignment.client_id)
    )
    return {client_id: count for client_id, count in rows}


def overdue_counts(client_ids: Collection[int] | Select[tuple[int]], today: date) -> dict[int, int]:
    """Per client id: open exercises whose due date lies before today (one grouped query)."""
    rows = db.session.execute(
        select(Assignment.client_id, func.count())
        .where(
            Assignment.client_id.in_(client_ids),
            Assignment.status == AssignmentStatus.OPEN,
            Assignment.due_date < today,
        )
        .group_by(Assignment.client_id)
    )
    return {client_id: count for client_id, count in rows}


def clients_awaiting_review() -> Select[tuple[int]]:
    """A query of the ids of clients with an exercise waiting for review (for filters)."""
    return select(Assignment.client_id).where(Assignment.status == AssignmentStatus.SUBMITTED)


def clients_overdue(today: date) -> Select[tuple[int]]:
    """A query of the ids of clients with an open exercise past its due date (for filters)."""
    return select(Assignment.client_id).where(Assignment.status == AssignmentStatus.OPEN, Assignment.due_date < today)


def feedback_visible_to_client(assignment: Assignment) -> bool:
    """The client sees feedback once the coach has marked the exercise reviewed (even if reopened since)."""
    return assignment.reviewed_at is not None


def audit_read(viewer: User, assignment: Assignment) -> None:
    """Record that viewer saw the answers and feedback of assignment."""
    audit("exercise.answers_read", "exercise_assignment", assignment.id, actor=viewer)


# Assigning ----------------------------------------------------------------------------------


def assign_exercise(actor: User, client: User, exercise_id: int, due_date: date | None = None) -> Assignment:
    """Give the exercise's current version to client; audited, client notified (not committed).

    Raises ExerciseError when actor is not a coach who may see client, or the exercise is
    unknown, archived or has no questions.
    """
    if client.role != Role.CLIENT or not can_view_client(actor, client) or actor.role != Role.COACH:
        raise ExerciseError(_("You can give exercises only to your own clients."))
    exercise = builder.get_exercise(exercise_id)
    if exercise is None or exercise.archived_at is not None:
        raise ExerciseError(_("Choose an exercise from the library."))
    version = builder.current_version(exercise)
    if not builder.questions_of(version):
        raise ExerciseError(_("This exercise has no questions yet."))
    assignment = Assignment(
        version_id=version.id, client_id=client.id, assigned_by_id=actor.id, due_date=due_date,
        status=AssignmentStatus.OPEN,
    )
    db.session.add(assignment)
    db.session.flush()
    audit(
        "exercise.assigned", "exercise_assignment", assignment.id, actor=actor,
        detail={"client_id": client.id, "exercise_id": exercise.id, "version": version.number},
    )
    notify(client, NotificationKind.EXERCISE_ASSIGNED, assignment_url(assignment), actor=actor, about=client)
    return assignment


# Answering ----------------------------------------------------------------------------------


def question_of(assignment: Assignment, question_id: int) -> Question | None:
    """The question with this id if it belongs to the assignment's version."""
    question = db.session.get(Question, question_id)
    return question if question is not None and question.version_id == assignment.version_id else None


def save_answer(
    actor: User, assignment: Assignment, question: Question, form: MultiDict[str, str], base_revision: int | None
) -> SaveResult:
    """Save the client's answer to one question; base_revision is the revision the window started from.

    Raises QuestionError (nothing saved) for an answer that does not fit the question, and
    AssignmentLocked once the exercise was handed in.
    """
    if actor.id != assignment.client_id:
        raise ExerciseError(_("Only the client answers an exercise."))
    if assignment.status != AssignmentStatus.OPEN:
        raise AssignmentLocked(_("You handed in this exercise; your coach can reopen it."))
    value = parse_answer(question, form)
    answer = answer_to(assignment, question)
    if answer is None:
        answer = Answer(assignment_id=assignment.id, question_id=question.id, revision=0)
        db.session.add(answer)
    conflict = base_revision is not None and base_revision != answer.revision
    stored = dump_answer(value)
    if answer.id is not None and answer.value == stored:
        # Nothing new (a repeated save): the window is brought up to date, nothing is written.
        return SaveResult(answer, changed=False, conflict=False)
    answer.value = stored
    answer.revision += 1
    answer.updated_at = utcnow()
    db.session.flush()
    audit(
        "exercise.answer_saved", "exercise_assignment", assignment.id, actor=actor,
        detail={"question_id": question.id, "revision": answer.revision, **({"conflict": True} if conflict else {})},
    )
    return SaveResult(answer, changed=True, conflict=conflict)


def missing_questions(assignment: Assignment) -> list[Question]:
    """The questions of the assignment that have no answer yet."""
    answers = answers_of(assignment)
    return [
        q for q in builder.questions_of(assignment.version)
        if q.id not in answers or not is_answered(load_answer(answers[q.id].value))
    ]


def submit_assignment(actor: User, assignment: Assignment) -> None:
    """Hand in: every question answered, then the answers are locked; the coaches are notified."""
    if actor.id != assignment.client_id:
        raise ExerciseError(_("Only the client hands in an exercise."))
    if assignment.status != AssignmentStatus.OPEN:
        raise AssignmentLocked(_("You already handed in this exercise."))
    missing = missing_questions(assignment)
    if missing:
        raise MissingAnswers([q.id for q in missing])
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = utcnow()
    audit("exercise.submitted", "exercise_assignment", assignment.id, actor=actor)
    for coach in accounts.coaches_of(assignment.client):
        notify(coach, NotificationKind.EXERCISE_SUBMITTED, assignment_url(assignment), actor=actor, about=assignment.client)


def reopen_assignment(actor: User, assignment: Assignment) -> None:
    """The coach unlocks handed-in answers so the client can change them again."""
    if actor.role != Role.COACH or not can_view_assignment(actor, assignment):
        raise ExerciseError(_("Only the client's coach can reopen an exercise."))
    if assignment.status == AssignmentStatus.OPEN:
        return
    assignment.status = AssignmentStatus.OPEN
    audit("exercise.reopened", "exercise_assignment", assignment.id, actor=actor)


# Feedback -----------------------------------------------------------------------------------


def _feedback_text(raw: Any) -> str | None:
    text = (raw or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_LONG_TEXT:
        raise QuestionError(_("Keep feedback under %(max)d characters.", max=MAX_LONG_TEXT))
    return text or None


def save_feedback(
    actor: User, assignment: Assignment, per_question: dict[int, str], overall: str, mark_reviewed: bool
) -> list[str]:
    """Save the coach's feedback; marking it reviewed shows it to the client and notifies them.

    Returns the names of what changed ("question:<id>", "overall", "status").
    """
    if actor.role != Role.COACH or not can_view_assignment(actor, assignment):
        raise ExerciseError(_("Only the client's coach gives feedback."))
    if assignment.status == AssignmentStatus.OPEN:
        raise ExerciseError(_("Feedback can be given once the client has handed in the exercise."))
    checked = {qid: _feedback_text(text) for qid, text in per_question.items()}
    overall_text = _feedback_text(overall)
    answers = answers_of(assignment)
    changed: list[str] = []
    for question_id, text in checked.items():
        answer = answers.get(question_id)
        if answer is None or answer.feedback == text:
            continue
        answer.feedback, answer.feedback_by_id, answer.feedback_at = text, actor.id, utcnow()
        changed.append(f"question:{question_id}")
    if overall_text != assignment.overall_feedback:
        assignment.overall_feedback = overall_text
        changed.append("overall")
    if mark_reviewed:
        assignment.status = AssignmentStatus.REVIEWED
        assignment.reviewed_at, assignment.reviewed_by_id = utcnow(), actor.id
        changed.append("status")
    if changed:
        audit("exercise.feedback_saved", "exercise_assignment", assignment.id, actor=actor, detail={"fields": changed})
    if mark_reviewed:
        notify(assignment.client, NotificationKind.FEEDBACK_GIVEN, assignment_url(assignment), actor=actor, about=assignment.client)
    return changed
