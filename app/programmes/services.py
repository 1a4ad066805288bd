"""A client's programme ("traject"): starting it, its steps, and their availability and progress.

Templates live in library.py; what both kinds of step share lives in steps.py.

Availability is computed when read: a step is locked until its condition holds (the step
before it is done, or its date has come). An exercise step's assignment is made when the
coach adds the step, so the client's exercise exists from then on; the programme shows it
locked until it becomes available.

Every read and change of a client's programme is audited (ids and field names only).
Nothing here commits: the caller does, after the audit events are in the same transaction.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import ColumnElement, func, select

from app.accounts.models import User
from app.assessments import services as assessments
from app.assessments.models import AssessmentAssignment, AssessmentStatus
from app.audit.services import audit
from app.exercises import services as exercises
from app.exercises.models import Assignment, AssignmentStatus, Exercise
from app.extensions import db
from app.programmes.library import template_steps
from app.programmes.models import (
    Programme,
    ProgrammeStatus,
    ProgrammeStep,
    ProgrammeTemplate,
    StepKind,
    Unlock,
)
from app.programmes.steps import (  # noqa: F401  (ProgrammeError, exercise_choices and instrument_choices are used through services)
    ProgrammeError,
    apply_step_values,
    exercise_choices,
    exercise_titles,
    instrument_choices,
    instrument_titles,
    move_in_order,
    renumber,
    title_of,
    usable_exercise,
    usable_instrument,
)
from app.timeutil import utcnow
from app.web.urls import practice_path


def today() -> date:
    """Today in the practice's time zone (Dutch time on the web)."""
    now = utcnow()
    return to_user_timezone(now).date() if has_request_context() else now.date()


def _assign(actor: User, client: User, exercise_id: int) -> Assignment:
    try:
        return exercises.assign_exercise(actor, client, exercise_id)
    except exercises.ExerciseError as error:
        raise ProgrammeError(str(error), field="exercise_id") from error


def _give_questionnaire(actor: User, client: User, instrument_id: str) -> AssessmentAssignment:
    try:
        return assessments.assign(actor, client, usable_instrument(instrument_id))
    except assessments.AssessmentError as error:
        raise ProgrammeError(" ".join(str(m) for m in error.messages), field="instrument_id") from error


def _assignment_state(assignment: Assignment) -> str:
    return exercises.assignment_status(assignment)


# --- a client's programme -----------------------------------------------------------------


def programmes_for(client: User) -> list[Programme]:
    """The client's programmes, newest start first (not audited: callers audit what they show)."""
    return list(
        db.session.scalars(
            select(Programme).where(Programme.client_id == client.id).order_by(Programme.starts_on.desc(), Programme.id.desc())
        )
    )


def programme_steps(programme: Programme) -> list[ProgrammeStep]:
    """The programme's steps in order."""
    return list(
        db.session.scalars(
            select(ProgrammeStep)
            .where(ProgrammeStep.programme_id == programme.id)
            .order_by(ProgrammeStep.position, ProgrammeStep.id)
        )
    )


def start_programme(
    actor: User, client: User, values: dict[str, Any], template: ProgrammeTemplate | None = None
) -> Programme:
    """Start a programme for client, copying the template's steps (exercise steps assign the exercise)."""
    programme = Programme(client_id=client.id, template_id=template.id if template else None, created_by_id=actor.id)
    for name in ("title", "notes", "starts_on", "planned_end_on"):
        setattr(programme, name, values.get(name))
    _set_status(programme, values.get("status") or ProgrammeStatus.INTAKE)
    db.session.add(programme)
    db.session.flush()
    audit("programme.created", "programme", programme.id, actor=actor,
          detail={"client_id": client.id, "template_id": template.id if template else None})
    skipped = 0
    for source in template_steps(template) if template else []:
        if source.kind == StepKind.EXERCISE and (
            source.exercise_id is None or db.session.get(Exercise, source.exercise_id).archived_at is not None  # type: ignore[union-attr]
        ):
            skipped += 1
            continue
        unlock_on = programme.starts_on + timedelta(days=source.offset_days or 0) if source.unlock == Unlock.DATE else None
        _add_step(actor, programme, client, {
            "kind": source.kind, "title": source.title, "body": source.body,
            "exercise_id": source.exercise_id, "instrument_id": source.instrument_id,
            "unlock": source.unlock, "unlock_on": unlock_on,
        })
    return programme


def _set_status(programme: Programme, status: str) -> None:
    """Finishing or stopping records the end date; reopening clears it."""
    if status not in ProgrammeStatus.ALL:
        raise ProgrammeError(_("Choose one of the statuses."), field="status")
    if status in ProgrammeStatus.ENDED and programme.status not in ProgrammeStatus.ENDED:
        programme.ended_on = today()
    elif status not in ProgrammeStatus.ENDED:
        programme.ended_on = None
    elif programme.ended_on is None:
        programme.ended_on = today()
    programme.status = status


def update_programme(actor: User, programme: Programme, values: dict[str, Any]) -> list[str]:
    """Apply changed details; moving the start moves date-bound steps along. Returns the changed fields."""
    changed = []
    old_start = programme.starts_on
    for name in ("title", "notes", "starts_on", "planned_end_on"):
        if name in values and values[name] != getattr(programme, name):
            setattr(programme, name, values[name])
            changed.append(name)
    if "status" in values and values["status"] != programme.status:
        _set_status(programme, values["status"])
        changed.append("status")
    if programme.planned_end_on and programme.planned_end_on < programme.starts_on:
        raise ProgrammeError(_("The planned end date cannot be before the start date."), field="planned_end_on")
    if "starts_on" in changed and old_start:
        shift = programme.starts_on - old_start
        for step in programme_steps(programme):
            if step.unlock == Unlock.DATE and step.unlock_on:
                step.unlock_on = step.unlock_on + shift
    if changed:
        programme.updated_at = utcnow()
        audit("programme.updated", "programme", programme.id, actor=actor, detail={"fields": sorted(changed)})
    return changed


def _add_step(actor: User, programme: Programme, client: User, values: dict[str, Any]) -> ProgrammeStep:
    step = ProgrammeStep(programme_id=programme.id, position=len(programme_steps(programme)) + 1)
    apply_step_values(step, values)
    step.title = step.title or None
    step.body = step.body or None
    step.unlock_on = values.get("unlock_on") if step.unlock == Unlock.DATE else None
    if step.kind == StepKind.EXERCISE:
        exercise = usable_exercise(step.exercise_id)
        step.assignment_id = _assign(actor, client, exercise.id).id
    if step.kind == StepKind.ASSESSMENT:
        step.assessment_assignment_id = _give_questionnaire(actor, client, step.instrument_id or "").id
    db.session.add(step)
    db.session.flush()
    audit("programme.step_added", "programme", programme.id, actor=actor,
          detail={"step_id": step.id, "kind": step.kind, "assignment_id": step.assignment_id,
                  "assessment_assignment_id": step.assessment_assignment_id})
    return step


def add_step(actor: User, programme: Programme, values: dict[str, Any]) -> ProgrammeStep:
    """Append a step to a client's programme; an exercise step assigns the exercise now."""
    client = db.session.get(User, programme.client_id)
    step = _add_step(actor, programme, client, values)  # type: ignore[arg-type]
    programme.updated_at = utcnow()
    return step


def remove_step(actor: User, programme: Programme, step: ProgrammeStep) -> None:
    """Remove a step from the programme (an assignment it made stays with the client's exercises)."""
    step_id = step.id
    db.session.delete(step)
    db.session.flush()
    renumber(programme_steps(programme))
    programme.updated_at = utcnow()
    audit("programme.step_removed", "programme", programme.id, actor=actor, detail={"step_id": step_id})


def move_step(actor: User, programme: Programme, step: ProgrammeStep, direction: str) -> bool:
    """Move a step one place up or down."""
    moved = move_in_order(programme_steps(programme), step, direction)
    if moved:
        programme.updated_at = utcnow()
        audit("programme.step_moved", "programme", programme.id, actor=actor,
              detail={"step_id": step.id, "direction": direction})
    return moved


def mark_read(actor: User, programme: Programme, step: ProgrammeStep) -> None:
    """The client has read an available information step."""
    view = next(v for v in programme_view(programme).steps if v.step.id == step.id)
    if step.kind != StepKind.INFO or not view.available:
        raise ProgrammeError(_("This step cannot be marked as read yet."))
    if step.read_at is None:
        step.read_at = utcnow()
        audit("programme.step_read", "programme", programme.id, actor=actor, detail={"step_id": step.id})


def audit_read(programme_ids: Iterable[int], viewer: User, where: str) -> None:
    """Record that viewer saw these programmes."""
    for programme_id in programme_ids:
        audit("programme.read", "programme", programme_id, actor=viewer, detail={"view": where})


# --- availability and progress ------------------------------------------------------------


@dataclass
class StepView:
    """A step as a person sees it: its title, whether it is available or done, and why not."""

    step: ProgrammeStep
    number: int
    title: str
    available: bool
    done: bool
    locked_reason: str | None = None  # "previous" or "date"
    assignment_state: str | None = None
    # Where the client answers (and the coach reviews) the step's exercise.
    assignment_url: str | None = None


@dataclass
class ProgrammeView:
    """A programme with its steps and progress."""

    programme: Programme
    steps: list[StepView] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)


def programme_views(programmes: Sequence[Programme], on: date | None = None) -> list[ProgrammeView]:
    """Each programme with its steps' state, in a fixed number of queries however many there are."""
    on = on or today()
    ids = [p.id for p in programmes]
    steps = list(
        db.session.scalars(
            select(ProgrammeStep).where(ProgrammeStep.programme_id.in_(ids)).order_by(ProgrammeStep.position, ProgrammeStep.id)
        )
    ) if ids else []
    assignment_ids = {s.assignment_id for s in steps if s.assignment_id}
    assignments = {
        a.id: a for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(assignment_ids)))
    } if assignment_ids else {}
    assessment_ids = {s.assessment_assignment_id for s in steps if s.assessment_assignment_id}
    questionnaires = {
        a.id: a for a in db.session.scalars(select(AssessmentAssignment).where(AssessmentAssignment.id.in_(assessment_ids)))
    } if assessment_ids else {}
    titles = exercise_titles(steps)
    instruments = instrument_titles(steps)
    views = {p.id: ProgrammeView(p) for p in programmes}
    for step in steps:
        view = views[step.programme_id]
        assignment = assignments.get(step.assignment_id) if step.assignment_id else None
        state = _assignment_state(assignment) if assignment is not None else None
        url = exercises.assignment_url(assignment) if assignment is not None else None
        if step.kind == StepKind.INFO:
            done = step.read_at is not None
        elif step.kind == StepKind.ASSESSMENT:
            questionnaire = questionnaires.get(step.assessment_assignment_id) if step.assessment_assignment_id else None
            state = questionnaire.status if questionnaire is not None else None
            url = practice_path("practice.assessments.show", assignment_id=questionnaire.id) if questionnaire else None
            done = state == AssessmentStatus.SUBMITTED
        else:
            done = state in (AssignmentStatus.SUBMITTED, AssignmentStatus.REVIEWED)
        available, reason = True, None
        if step.unlock == Unlock.PREVIOUS and view.steps and not view.steps[-1].done:
            available, reason = False, "previous"
        elif step.unlock == Unlock.DATE and step.unlock_on and step.unlock_on > on:
            available, reason = False, "date"
        view.steps.append(
            StepView(step, len(view.steps) + 1,
                     title_of(step.title, step.exercise_id, titles, step.instrument_id, instruments),
                     available, done, reason, state, url)
        )
    return [views[p.id] for p in programmes]


def locked_in(views: Iterable[ProgrammeView]) -> set[int]:
    """Assignment ids of exercise steps that are not available yet in these programmes."""
    return {s.step.assignment_id for v in views for s in v.steps if s.step.assignment_id and not s.available}


def locked_assignment_ids(client: User) -> set[int]:
    """Assignments the client cannot start yet because their programme step is still locked."""
    return locked_in(programme_views(programmes_for(client)))


def locked_questionnaire_ids(client: User) -> set[int]:
    """Questionnaires (assessment assignments) the client cannot fill in yet: their programme step is locked."""
    return {
        s.step.assessment_assignment_id for v in programme_views(programmes_for(client)) for s in v.steps
        if s.step.assessment_assignment_id and not s.available
    }


def programme_view(programme: Programme) -> ProgrammeView:
    """One programme with its steps' state."""
    return programme_views([programme])[0]


def progress_of(programmes: Sequence[Programme]) -> dict[int, tuple[int, int]]:
    """(steps done, total steps) per programme id, in a fixed number of queries."""
    return {v.programme.id: (v.done, v.total) for v in programme_views(programmes)}


def programme_progress(programme: Programme) -> tuple[int, int]:
    """(steps done, total steps) of one programme."""
    view = programme_view(programme)
    return view.done, view.total


def client_overview(client: User, viewer: User, where: str) -> list[ProgrammeView]:
    """What the client sees of their programmes (intake ones too), audited as a read."""
    views = programme_views(programmes_for(client))
    audit_read([v.programme.id for v in views], viewer, where)
    return views


# --- dashboard figures ----------------------------------------------------------------------


def current_programmes(client_ids: Collection[int]) -> dict[int, Programme]:
    """Per client id: their current programme (the newest start, as programmes_for orders), in one query."""
    if not client_ids:
        return {}
    current: dict[int, Programme] = {}
    for programme in db.session.scalars(
        select(Programme)
        .where(Programme.client_id.in_(client_ids))
        .order_by(Programme.client_id, Programme.starts_on.desc(), Programme.id.desc())
    ):
        current.setdefault(programme.client_id, programme)
    return current


def current_status_is(status: str) -> ColumnElement[bool]:
    """A condition on client (User) rows: their current programme has this status (for filters)."""
    newest = (
        select(Programme.status)
        .where(Programme.client_id == User.id)
        .order_by(Programme.starts_on.desc(), Programme.id.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    return newest == status


def status_counts() -> dict[str, int]:
    """How many programmes the practice has per status (every status, zero included), in one query."""
    counts = dict.fromkeys(ProgrammeStatus.ALL, 0)
    for status, count in db.session.execute(select(Programme.status, func.count()).group_by(Programme.status)):
        counts[status] = count
    return counts


def audit_listed(programme_ids: Collection[int], viewer: User, where: str) -> None:
    """Record in one event that viewer saw the status and progress of these programmes in a list."""
    if programme_ids:
        audit("programmes.listed", "user", viewer.id, actor=viewer,
              detail={"view": where, "programme_ids": sorted(programme_ids)})
