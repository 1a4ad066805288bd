"""The practice's exercise library and the form builder ("opdrachten maken").

A version that clients have answered is frozen: the first change after that copies it
into a new version, so earlier answers keep the questions they answered.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _  # raised messages are translated when shown
from sqlalchemy import exists, func, select
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.audit.services import audit
from app.exercises.models import Answer, Exercise, ExerciseVersion, Question
from app.exercises.questions import (
    QuestionError,
    parse_config,
    parse_kind,
    parse_prompt,
)
from app.extensions import db
from app.timeutil import utcnow

MAX_TITLE = 200
MAX_INSTRUCTIONS = 10_000
MAX_QUESTIONS = 100


class StaleQuestion(LookupError):
    """The question belongs to an older version than the one being edited (reload the page)."""


def library(include_archived: bool = False) -> list[Exercise]:
    """The practice's exercises, by title."""
    query = select(Exercise).order_by(func.lower(Exercise.title), Exercise.id)
    if not include_archived:
        query = query.where(Exercise.archived_at.is_(None))
    return list(db.session.scalars(query))


def get_exercise(exercise_id: int) -> Exercise | None:
    """The exercise with this id (archived ones too), or None."""
    return db.session.get(Exercise, exercise_id)


def current_version(exercise: Exercise) -> ExerciseVersion:
    """The newest version of exercise: the one new assignments get."""
    return db.session.scalars(
        select(ExerciseVersion)
        .where(ExerciseVersion.exercise_id == exercise.id)
        .order_by(ExerciseVersion.number.desc())
        .limit(1)
    ).one()


def questions_of(version: ExerciseVersion) -> list[Question]:
    """The questions of version, in order."""
    return list(
        db.session.scalars(select(Question).where(Question.version_id == version.id).order_by(Question.position))
    )


def question_counts(exercises: list[Exercise]) -> dict[int, int]:
    """How many questions the current version of each exercise has."""
    newest = (
        select(ExerciseVersion.exercise_id, func.max(ExerciseVersion.number).label("number"))
        .group_by(ExerciseVersion.exercise_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ExerciseVersion.exercise_id, func.count(Question.id))
        .join(newest, (newest.c.exercise_id == ExerciseVersion.exercise_id) & (newest.c.number == ExerciseVersion.number))
        .outerjoin(Question, Question.version_id == ExerciseVersion.id)
        .where(ExerciseVersion.exercise_id.in_([e.id for e in exercises]))
        .group_by(ExerciseVersion.exercise_id)
    )
    return {exercise_id: count for exercise_id, count in rows}


def is_frozen(version: ExerciseVersion) -> bool:
    """True once any client has saved an answer to this version."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Answer.question_id == Question.id)
                .where(Question.version_id == version.id)
            )
        )
    )


def _check_details(title: str, instructions: str) -> tuple[str, str]:
    title = (title or "").strip()
    instructions = (instructions or "").replace("\r\n", "\n").strip()
    if not title:
        raise QuestionError(_("Enter a title."), "title")
    if len(title) > MAX_TITLE:
        raise QuestionError(_("Keep the title under %(max)d characters.", max=MAX_TITLE), "title")
    if len(instructions) > MAX_INSTRUCTIONS:
        raise QuestionError(_("Keep the instructions under %(max)d characters.", max=MAX_INSTRUCTIONS), "instructions")
    return title, instructions


def create_exercise(actor: User, title: str, instructions: str = "") -> Exercise:
    """A new exercise with an empty first version (not committed)."""
    title, instructions = _check_details(title, instructions)
    exercise = Exercise(title=title, created_by_id=actor.id)
    db.session.add(exercise)
    db.session.flush()
    db.session.add(
        ExerciseVersion(exercise_id=exercise.id, number=1, title=title, instructions=instructions, created_by_id=actor.id)
    )
    db.session.flush()
    audit("exercise.created", "exercise", exercise.id, actor=actor)
    return exercise


def editable_version(actor: User, exercise: Exercise) -> ExerciseVersion:
    """The version a change goes into: the current one, or a fresh copy if it was answered."""
    version = current_version(exercise)
    if not is_frozen(version):
        return version
    copy = ExerciseVersion(
        exercise_id=exercise.id,
        number=version.number + 1,
        title=version.title,
        instructions=version.instructions,
        created_by_id=actor.id,
    )
    db.session.add(copy)
    db.session.flush()
    for question in questions_of(version):
        db.session.add(
            Question(
                version_id=copy.id,
                position=question.position,
                kind=question.kind,
                prompt=question.prompt,
                config=dict(question.config or {}),
            )
        )
    db.session.flush()
    audit("exercise.version_created", "exercise", exercise.id, actor=actor, detail={"version": copy.number})
    return copy


def _touch(exercise: Exercise, version: ExerciseVersion) -> None:
    exercise.title = version.title
    exercise.updated_at = utcnow()


def update_details(actor: User, exercise: Exercise, title: str, instructions: str) -> bool:
    """Change the title and instructions; True when something changed (not committed)."""
    title, instructions = _check_details(title, instructions)
    version = current_version(exercise)
    if (version.title, version.instructions) == (title, instructions):
        return False
    version = editable_version(actor, exercise)
    version.title, version.instructions = title, instructions
    _touch(exercise, version)
    audit("exercise.updated", "exercise", exercise.id, actor=actor, detail={"version": version.number})
    return True


def _editable_question(actor: User, exercise: Exercise, question_id: int) -> tuple[ExerciseVersion, Question]:
    """The question to change, in the version that takes the change (copied if need be)."""
    version = current_version(exercise)
    question = db.session.get(Question, question_id)
    if question is None or question.version_id != version.id:
        raise StaleQuestion(question_id)
    target = editable_version(actor, exercise)
    if target.id != version.id:
        question = db.session.scalars(
            select(Question).where(Question.version_id == target.id, Question.position == question.position)
        ).one()
    return target, question


def add_question(actor: User, exercise: Exercise, form: MultiDict[str, str]) -> Question:
    """Append a question built from the builder's form (not committed)."""
    kind = parse_kind(form.get("kind"))
    prompt = parse_prompt(form.get("prompt"))
    config = parse_config(kind, form)
    current = current_version(exercise)
    if len(questions_of(current)) >= MAX_QUESTIONS:
        raise QuestionError(_("An exercise has at most %(n)d questions.", n=MAX_QUESTIONS), "prompt")
    version = editable_version(actor, exercise)
    last = db.session.scalar(select(func.max(Question.position)).where(Question.version_id == version.id))
    question = Question(version_id=version.id, position=(last or 0) + 1, kind=kind, prompt=prompt, config=config)
    db.session.add(question)
    db.session.flush()
    _touch(exercise, version)
    audit("exercise.question_added", "exercise", exercise.id, actor=actor, detail={"version": version.number})
    return question


def update_question(actor: User, exercise: Exercise, question_id: int, form: MultiDict[str, str]) -> Question:
    """Change a question's text and set-up (its kind stays); not committed."""
    current = db.session.get(Question, question_id)
    if current is None:
        raise StaleQuestion(question_id)
    prompt = parse_prompt(form.get("prompt"))
    config = parse_config(current.kind, form)
    if current.prompt == prompt and (current.config or {}) == config:
        return current
    version, question = _editable_question(actor, exercise, question_id)
    question.prompt, question.config = prompt, config
    _touch(exercise, version)
    audit("exercise.question_changed", "exercise", exercise.id, actor=actor, detail={"version": version.number})
    return question


def move_question(actor: User, exercise: Exercise, question_id: int, direction: str) -> None:
    """Swap a question with the one above ("up") or below ("down"); not committed."""
    version = current_version(exercise)
    questions = questions_of(version)
    index = next((i for i, q in enumerate(questions) if q.id == question_id), None)
    if index is None:
        raise StaleQuestion(question_id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(questions):
        return
    version, question = _editable_question(actor, exercise, question_id)
    neighbour = db.session.scalars(
        select(Question).where(Question.version_id == version.id, Question.position == questions[other].position)
    ).one()
    question.position, neighbour.position = neighbour.position, question.position
    _touch(exercise, version)
    audit("exercise.question_moved", "exercise", exercise.id, actor=actor, detail={"version": version.number})


def remove_question(actor: User, exercise: Exercise, question_id: int) -> None:
    """Remove a question (from a new version if the current one was answered); not committed."""
    version, question = _editable_question(actor, exercise, question_id)
    db.session.delete(question)
    db.session.flush()
    _touch(exercise, version)
    audit("exercise.question_removed", "exercise", exercise.id, actor=actor, detail={"version": version.number})


def set_archived(actor: User, exercise: Exercise, archived: bool) -> None:
    """Take an exercise out of the library (its versions and answers stay), or put it back."""
    if (exercise.archived_at is not None) == archived:
        return
    exercise.archived_at = utcnow() if archived else None
    audit("exercise.archived" if archived else "exercise.restored", "exercise", exercise.id, actor=actor)

