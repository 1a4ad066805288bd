"""What template steps and programme steps share: their errors, order, values and titles."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.assessments import services as assessments
from app.exercises.models import Exercise
from app.extensions import db
from app.programmes.models import ProgrammeStep, StepKind, TemplateStep


class ProgrammeError(Exception):
    """A change that cannot be made; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _Positioned(Protocol):
    position: int


def renumber(items: Sequence[_Positioned]) -> None:
    """Positions 1..n in the given order (closing the gap a removed step left)."""
    for number, item in enumerate(items, start=1):
        item.position = number


def move_in_order(items: list[Any], item: Any, direction: str) -> bool:
    """Swap item with its neighbour "up" or "down"; False when it is already at that end."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    renumber(items)
    return True


def exercise_choices() -> list[tuple[int, str]]:
    """The exercises a step may name: the practice's library, without archived ones."""
    rows = db.session.execute(
        select(Exercise.id, Exercise.title).where(Exercise.archived_at.is_(None)).order_by(Exercise.title, Exercise.id)
    )
    return [(row.id, row.title) for row in rows]


def usable_exercise(exercise_id: int | None) -> Exercise:
    """The exercise with this id in this practice's library (not archived), or ProgrammeError."""
    exercise = db.session.get(Exercise, exercise_id) if exercise_id else None
    if exercise is None or exercise.archived_at is not None:
        raise ProgrammeError(_("Choose an exercise from this practice's library."), field="exercise_id")
    return exercise


def _lang() -> str:
    locale = get_locale() if has_request_context() else None
    return locale.language if locale else "en"


def instrument_choices() -> list[tuple[str, str]]:
    """The questionnaires a step may name: built-ins and the practice's imported ones (newest version)."""
    lang = _lang()
    return [(listed.instrument.id, assessments.text(listed.instrument.title, lang)) for listed in assessments.catalogue()]


def usable_instrument(instrument_id: str | None) -> str:
    """The id of a questionnaire this practice can give, or ProgrammeError."""
    if not instrument_id or assessments.instrument_version(instrument_id) is None:
        raise ProgrammeError(_("Choose a questionnaire from the list."), field="instrument_id")
    return instrument_id


def instrument_titles(steps: Iterable[TemplateStep | ProgrammeStep]) -> dict[str, str]:
    """The title of each questionnaire the steps name (newest version)."""
    lang = _lang()
    titles = {}
    for instrument_id in {s.instrument_id for s in steps if s.instrument_id}:
        found = assessments.instrument_version(instrument_id)
        if found is not None:
            titles[instrument_id] = assessments.text(found[0].title, lang)
    return titles


def apply_step_values(step: TemplateStep | ProgrammeStep, values: dict[str, Any]) -> None:
    """Set what a step is from a form's cleaned values (the caller sets its date condition)."""
    step.kind = values["kind"]
    step.title = values.get("title") or ""
    step.body = values.get("body") or ""
    step.exercise_id = values.get("exercise_id") if step.kind == StepKind.EXERCISE else None
    step.instrument_id = values.get("instrument_id") if step.kind == StepKind.ASSESSMENT else None
    step.unlock = values["unlock"]


def exercise_titles(steps: Iterable[TemplateStep | ProgrammeStep]) -> dict[int, str]:
    """The title of each exercise the steps name, in one query."""
    ids = {s.exercise_id for s in steps if s.exercise_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Exercise.id, Exercise.title).where(Exercise.id.in_(ids)))
    return {row.id: row.title for row in rows}


def title_of(
    title: str | None, exercise_id: int | None, titles: dict[int, str],
    instrument_id: str | None = None, instrument_titles: dict[str, str] | None = None,
) -> str:
    """A step's own title, else its exercise's or questionnaire's title."""
    if title:
        return title
    if instrument_id:
        return (instrument_titles or {}).get(instrument_id) or _("Questionnaire (no longer available)")
    if exercise_id and exercise_id in titles:
        return titles[exercise_id]
    return _("Exercise (no longer in the library)")
