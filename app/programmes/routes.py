"""Programme templates, a client's programme (coach), "my programme" (client), the dossier section."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.programmes import library, services
from app.programmes.access import (
    get_programme_or_404,
    get_step_or_404,
    get_template_or_404,
    get_template_step_or_404,
)
from app.programmes.forms import (
    ProgrammeForm,
    ProgrammeStepForm,
    StartProgrammeForm,
    TemplateForm,
    TemplateStepForm,
)
from app.programmes.models import Programme, ProgrammeTemplate
from app.web.forms import ActionForm
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("programmes", __name__, url_prefix="/programmes")

register_nav(NavItem("practice.programmes.templates", _l("Programme templates"), (Role.COACH,), 50))
register_nav(NavItem("practice.programmes.mine", _l("Programme"), (Role.CLIENT,), 15))


def _fail(form: Any, error: services.ProgrammeError) -> None:
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


# --- templates ------------------------------------------------------------------------------


@bp.route("/templates/", methods=["GET", "POST"])
@role_required(Role.COACH)
def templates() -> Response | tuple[str, int]:
    """The practice's programme templates, and a new one."""
    form = TemplateForm()
    if form.validate_on_submit():
        template = library.create_template(current_user, form.name.data, form.description.data)
        db.session.commit()
        flash(_("The template has been created. Add its steps below."), "success")
        return redirect(url_for(".edit_template", template_id=template.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "programmes/templates.html", form=form, templates=library.list_templates(), counts=library.step_counts()
    ), status


def _template_steps_context(template: ProgrammeTemplate, step_form: TemplateStepForm | None = None) -> dict[str, Any]:
    steps = library.template_steps(template)
    exercises = services.exercise_choices()
    return {
        "template": template,
        "steps": steps,
        "titles": library.template_step_titles(steps),
        "step_form": step_form or TemplateStepForm(exercises=exercises, formdata=None),
    }


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@role_required(Role.COACH)
def edit_template(template_id: int) -> Response:
    """A template's name, description and steps."""
    template = get_template_or_404(template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        library.update_template(template, form.name.data, form.description.data)
        db.session.commit()
        flash(_("The template has been saved."), "success")
        return redirect(url_for(".edit_template", template_id=template.id), 303)
    status = 422 if form.is_submitted() else 200
    # htmx asks for the steps alone (e.g. "Cancel" while editing a step).
    return page_or_fragment(
        "programmes/template_edit.html", "programmes/_template_steps.html", status,
        form=form, **_template_steps_context(template),
    )


@bp.post("/templates/<int:template_id>/delete")
@role_required(Role.COACH)
def delete_template(template_id: int) -> Response:
    """Remove a template; programmes started from it keep their steps."""
    template = get_template_or_404(template_id)
    if ActionForm().validate_on_submit():
        library.delete_template(template)
        db.session.commit()
        flash(_("The template has been deleted."), "success")
    return redirect(url_for(".templates"), 303)


def _template_steps_answer(template: ProgrammeTemplate, step_form: TemplateStepForm | None = None, status: int = 200) -> Response:
    """The steps fragment for htmx; back to the template page for a plain browser."""
    if not is_htmx() and status < 400:
        return redirect(url_for(".edit_template", template_id=template.id), 303)
    context = _template_steps_context(template, step_form)
    return page_or_fragment(
        "programmes/template_edit.html", "programmes/_template_steps.html", status,
        form=TemplateForm(obj=template, formdata=None), **context,
    )


@bp.post("/templates/<int:template_id>/steps")
@role_required(Role.COACH)
def add_template_step(template_id: int) -> Response:
    """Append a step to a template."""
    template = get_template_or_404(template_id)
    form = TemplateStepForm(exercises=services.exercise_choices())
    if form.validate_on_submit():
        try:
            library.add_template_step(template, form.step_values())
            db.session.commit()
        except services.ProgrammeError as error:
            _fail(form, error)
        else:
            return _template_steps_answer(template)
    return _template_steps_answer(template, form, 422)


@bp.route("/templates/<int:template_id>/steps/<int:step_id>", methods=["GET", "POST"])
@role_required(Role.COACH)
def edit_template_step(template_id: int, step_id: int) -> Response:
    """Edit one step in place (htmx swaps the step for its form)."""
    template = get_template_or_404(template_id)
    step = get_template_step_or_404(template, step_id)
    # Prefixed: the add-step form on the same page has fields of the same names.
    form = TemplateStepForm(obj=step, prefix="edit", exercises=services.exercise_choices())
    if form.validate_on_submit():
        try:
            library.update_template_step(template, step, form.step_values())
            db.session.commit()
        except services.ProgrammeError as error:
            _fail(form, error)
        else:
            response = _template_steps_answer(template)
            response.headers["HX-Retarget"] = "#template-steps"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
    status = 422 if form.is_submitted() else 200
    return page_or_fragment(
        "programmes/template_step.html", "programmes/_template_step_form.html", status,
        template=template, step=step, step_form=form,
    )


@bp.post("/templates/<int:template_id>/steps/<int:step_id>/move")
@role_required(Role.COACH)
def move_template_step(template_id: int, step_id: int) -> Response:
    """Move a step up or down."""
    template = get_template_or_404(template_id)
    step = get_template_step_or_404(template, step_id)
    if ActionForm().validate_on_submit():
        library.move_template_step(template, step, request.form.get("direction", ""))
        db.session.commit()
    return _template_steps_answer(template)


@bp.post("/templates/<int:template_id>/steps/<int:step_id>/delete")
@role_required(Role.COACH)
def remove_template_step(template_id: int, step_id: int) -> Response:
    """Remove a step from a template."""
    template = get_template_or_404(template_id)
    step = get_template_step_or_404(template, step_id)
    if ActionForm().validate_on_submit():
        library.remove_template_step(template, step)
        db.session.commit()
    return _template_steps_answer(template)


# --- a client's programme (coach) -------------------------------------------------------------


@bp.route("/clients/<int:client_id>/new", methods=["GET", "POST"])
@login_required
def start(client_id: int) -> Response | tuple[str, int]:
    """Start a programme for a client, from a template or empty."""
    client = get_client_or_404(client_id)
    if current_user.role != Role.COACH:
        abort(403)
    form = StartProgrammeForm(templates=library.template_choices())
    if request.method == "GET":
        form.starts_on.data = services.today()
        form.status.data = "intake"
    if form.validate_on_submit():
        template = get_template_or_404(form.template_id.data) if form.template_id.data else None
        try:
            programme = services.start_programme(current_user, client, form.programme_values(), template)
            db.session.commit()
        except services.ProgrammeError as error:
            _fail(form, error)
        else:
            flash(_("The programme has been started."), "success")
            return redirect(url_for(".manage", programme_id=programme.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("programmes/start.html", form=form, client=client), status


def _programme_steps_context(programme: Programme, step_form: ProgrammeStepForm | None = None) -> dict[str, Any]:
    return {
        "programme": programme,
        "view": services.programme_view(programme),
        "step_form": step_form or ProgrammeStepForm(exercises=services.exercise_choices(), formdata=None),
    }


@bp.route("/<int:programme_id>", methods=["GET", "POST"])
@login_required
def manage(programme_id: int) -> Response | tuple[str, int]:
    """The coach's page of a client's programme: details, status, dates and steps."""
    programme, client = get_programme_or_404(programme_id, manage=True)
    form = ProgrammeForm(obj=programme)
    if form.validate_on_submit():
        try:
            changed = services.update_programme(current_user, programme, form.programme_values())
            db.session.commit()
        except services.ProgrammeError as error:
            _fail(form, error)
        else:
            flash(_("The programme has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".manage", programme_id=programme.id), 303)
    status = 422 if form.is_submitted() else 200
    context = _programme_steps_context(programme)
    services.audit_read([programme.id], current_user, "manage")
    db.session.commit()
    return render_template("programmes/manage.html", form=form, client=client, **context), status


def _programme_steps_answer(programme: Programme, step_form: ProgrammeStepForm | None = None, status: int = 200) -> Response:
    """The steps fragment for htmx; back to the programme page for a plain browser."""
    if not is_htmx() and status < 400:
        return redirect(url_for(".manage", programme_id=programme.id), 303)
    context = _programme_steps_context(programme, step_form)
    services.audit_read([programme.id], current_user, "steps")
    db.session.commit()
    return page_or_fragment(
        "programmes/manage.html", "programmes/_programme_steps.html", status,
        form=ProgrammeForm(obj=programme, formdata=None), client=db.session.get(User, programme.client_id),
        **context,
    )


@bp.post("/<int:programme_id>/steps")
@login_required
def add_step(programme_id: int) -> Response:
    """Add a step to the client's programme; an exercise step assigns the exercise now."""
    programme, _client = get_programme_or_404(programme_id, manage=True)
    form = ProgrammeStepForm(exercises=services.exercise_choices())
    if form.validate_on_submit():
        try:
            services.add_step(current_user, programme, form.step_values())
            db.session.commit()
        except services.ProgrammeError as error:
            _fail(form, error)
        else:
            return _programme_steps_answer(programme)
    return _programme_steps_answer(programme, form, 422)


@bp.post("/<int:programme_id>/steps/<int:step_id>/move")
@login_required
def move_step(programme_id: int, step_id: int) -> Response:
    """Move a step of the client's programme up or down."""
    programme, _client = get_programme_or_404(programme_id, manage=True)
    step = get_step_or_404(programme, step_id)
    if ActionForm().validate_on_submit():
        services.move_step(current_user, programme, step, request.form.get("direction", ""))
        db.session.commit()
    return _programme_steps_answer(programme)


@bp.post("/<int:programme_id>/steps/<int:step_id>/delete")
@login_required
def remove_step(programme_id: int, step_id: int) -> Response:
    """Remove a step from the client's programme."""
    programme, _client = get_programme_or_404(programme_id, manage=True)
    step = get_step_or_404(programme, step_id)
    if ActionForm().validate_on_submit():
        services.remove_step(current_user, programme, step)
        db.session.commit()
    return _programme_steps_answer(programme)


# --- the client's own view ----------------------------------------------------------------------


@bp.get("/mine")
@role_required(Role.CLIENT)
def mine() -> Response:
    """The client's programmes, step by step."""
    views = services.client_overview(current_user, current_user, "mine")
    db.session.commit()
    return page_or_fragment("programmes/mine.html", "programmes/_client_programmes.html", views=views)


@bp.post("/<int:programme_id>/steps/<int:step_id>/read")
@login_required
def mark_read(programme_id: int, step_id: int) -> Response:
    """The client marks an information step as read."""
    programme, client = get_programme_or_404(programme_id)
    if current_user.id != client.id:
        abort(403)
    step = get_step_or_404(programme, step_id)
    status, problem = 200, None
    if ActionForm().validate_on_submit():
        try:
            services.mark_read(current_user, programme, step)
            db.session.commit()
        except services.ProgrammeError as error:
            db.session.rollback()
            status, problem = 422, str(error)
    if not is_htmx() and problem is None:
        return redirect(url_for(".mine"), 303)
    views = services.client_overview(current_user, current_user, "mine")
    db.session.commit()
    return page_or_fragment(
        "programmes/mine.html", "programmes/_client_programmes.html", status,
        views=views, problem=problem,
    )


# --- the dossier section ----------------------------------------------------------------------


@dossier_section("programmes", _l("Programmes"), "programmes/_section.html", order=20)
def _programmes_section(client, viewer):  # type: ignore[no-untyped-def]
    return {"views": services.programme_views(services.programmes_for(client))}
