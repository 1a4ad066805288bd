"""The practice's library of programme templates: practice content, managed by its coaches.

Nothing here commits: the caller does.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.programmes.models import ProgrammeTemplate, StepKind, TemplateStep, Unlock
from app.programmes.steps import (
    apply_step_values,
    exercise_titles,
    instrument_titles,
    move_in_order,
    renumber,
    title_of,
    usable_exercise,
    usable_instrument,
)
from app.timeutil import utcnow


def list_templates() -> list[ProgrammeTemplate]:
    """The practice's programme templates, by name."""
    return list(
        db.session.scalars(select(ProgrammeTemplate).order_by(func.lower(ProgrammeTemplate.name), ProgrammeTemplate.id))
    )


def template_choices() -> list[tuple[int, str]]:
    """(id, name) of every template, for a select."""
    return [(t.id, t.name) for t in list_templates()]


def step_counts() -> dict[int, int]:
    """The number of steps of each template."""
    rows = db.session.execute(select(TemplateStep.template_id, func.count()).group_by(TemplateStep.template_id))
    return {template_id: count for template_id, count in rows}


def template_steps(template: ProgrammeTemplate) -> list[TemplateStep]:
    """The template's steps in order."""
    return list(
        db.session.scalars(
            select(TemplateStep)
            .where(TemplateStep.template_id == template.id)
            .order_by(TemplateStep.position, TemplateStep.id)
        )
    )


def template_step_titles(steps: Sequence[TemplateStep]) -> dict[int, str]:
    """The title shown for each step: its own, or its exercise's or questionnaire's."""
    titles = exercise_titles(steps)
    instruments = instrument_titles(steps)
    return {step.id: title_of(step.title, step.exercise_id, titles, step.instrument_id, instruments) for step in steps}


def create_template(actor: User, name: str, description: str) -> ProgrammeTemplate:
    """A new, empty template."""
    template = ProgrammeTemplate(name=name.strip(), description=(description or "").strip(), created_by_id=actor.id)
    db.session.add(template)
    db.session.flush()
    return template


def update_template(template: ProgrammeTemplate, name: str, description: str) -> None:
    """Rename or redescribe a template."""
    template.name = name.strip()
    template.description = (description or "").strip()
    template.updated_at = utcnow()


def delete_template(template: ProgrammeTemplate) -> None:
    """Remove a template and its steps; programmes started from it keep their own copies."""
    db.session.delete(template)


def _set_step(step: TemplateStep, values: dict[str, Any]) -> None:
    apply_step_values(step, values)
    step.offset_days = values.get("offset_days") if step.unlock == Unlock.DATE else None


def add_template_step(template: ProgrammeTemplate, values: dict[str, Any]) -> TemplateStep:
    """Append a step to a template."""
    if values["kind"] == StepKind.EXERCISE:
        usable_exercise(values.get("exercise_id"))
    if values["kind"] == StepKind.ASSESSMENT:
        usable_instrument(values.get("instrument_id"))
    step = TemplateStep(template_id=template.id, position=len(template_steps(template)) + 1)
    _set_step(step, values)
    db.session.add(step)
    template.updated_at = utcnow()
    db.session.flush()
    return step


def update_template_step(template: ProgrammeTemplate, step: TemplateStep, values: dict[str, Any]) -> None:
    """Change what a template step is and when it becomes available."""
    if values["kind"] == StepKind.EXERCISE and values.get("exercise_id") != step.exercise_id:
        usable_exercise(values.get("exercise_id"))
    if values["kind"] == StepKind.ASSESSMENT and values.get("instrument_id") != step.instrument_id:
        usable_instrument(values.get("instrument_id"))
    _set_step(step, values)
    template.updated_at = utcnow()


def remove_template_step(template: ProgrammeTemplate, step: TemplateStep) -> None:
    """Remove a step; the others close up."""
    db.session.delete(step)
    db.session.flush()
    renumber(template_steps(template))
    template.updated_at = utcnow()


def move_template_step(template: ProgrammeTemplate, step: TemplateStep, direction: str) -> bool:
    """Move a step one place up or down."""
    moved = move_in_order(template_steps(template), step, direction)
    if moved:
        template.updated_at = utcnow()
    return moved
