"""Who may open which programme or template: one helper per object type, used by every route."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.accounts.models import Role, User
from app.clients.access import can_view_client
from app.extensions import db
from app.programmes.models import (
    Programme,
    ProgrammeStep,
    ProgrammeTemplate,
    TemplateStep,
)


def get_programme_or_404(programme_id: int, *, manage: bool = False) -> tuple[Programme, User]:
    """The programme and its client if the signed-in person may see them; 404 for anything else.

    With manage=True only the client's coach may go on: the client themself gets 403.
    """
    programme = db.session.get(Programme, programme_id)
    client = db.session.get(User, programme.client_id) if programme is not None else None
    if client is None or not can_view_client(current_user, client):
        abort(404)
    if manage and current_user.role != Role.COACH:
        abort(403)
    return programme, client  # type: ignore[return-value]


def get_step_or_404(programme: Programme, step_id: int) -> ProgrammeStep:
    """A step of this programme (a step of another programme is not found)."""
    step = db.session.get(ProgrammeStep, step_id)
    if step is None or step.programme_id != programme.id:
        abort(404)
    return step


def get_template_or_404(template_id: int) -> ProgrammeTemplate:
    """A template of this practice (coach-only routes check the role first)."""
    template = db.session.get(ProgrammeTemplate, template_id)
    if template is None:
        abort(404)
    return template


def get_template_step_or_404(template: ProgrammeTemplate, step_id: int) -> TemplateStep:
    """A step of this template."""
    step = db.session.get(TemplateStep, step_id)
    if step is None or step.template_id != template.id:
        abort(404)
    return step
