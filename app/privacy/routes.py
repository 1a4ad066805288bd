"""The public privacy page, the admin's privacy settings, processors register and audit search,
and everyone's "my privacy" page with the client's access log."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.audit.services import audit
from app.extensions import db
from app.privacy import auditlog, services
from app.privacy.actions import describe
from app.privacy.forms import AuditSearchForm, PrivacySettingsForm, ProcessorForm
from app.privacy.hub import blocks_for, privacy_block
from app.privacy.models import Processor
from app.settings.services import practice_settings
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

register_nav(NavItem("practice.privacy.settings", _l("Privacy"), (Role.PRACTICE_ADMIN,), 65))
register_nav(NavItem("practice.privacy.mine", _l("My privacy"), Role.ALL, 95))

NEW_PREFIX = "new"


# --- the public privacy page ---------------------------------------------------------------------


@bp.get("/")
def statement() -> str:
    """The practice's privacy statement: public, filled from its settings and register and the operator's details."""
    settings = services.privacy_settings()
    return render_template(
        "privacy/statement.html",
        settings=settings,
        responsible=services.responsible_name(settings),
        operator=services.operator(),
        retention=services.retention(settings),
        processors=services.processors(),
        shared_caseloads=practice_settings().shared_caseloads,
    )


# --- privacy settings and the processors register (practice admin) ---------------------------------


def _new_processor_form(formdata: bool = False) -> ProcessorForm:
    if formdata:
        return ProcessorForm(prefix=NEW_PREFIX)
    return ProcessorForm(prefix=NEW_PREFIX, formdata=None)


def _processors_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "processors": services.processors(),
        "new_form": _new_processor_form(),
        "editing": None,
        "edit_form": None,
        "in_future": services.agreement_in_future,
    }
    context.update(overrides)
    return context


def _settings_page(form: PrivacySettingsForm, status: int = 200, **processor_overrides: Any) -> Response:
    return make_response(
        render_template("privacy/settings.html", form=form, **_processors_context(**processor_overrides)), status
    )


def _processors(status: int = 200, **overrides: Any) -> Response:
    """The register fragment for htmx (after a change: committed first, so it shows what is stored)."""
    response = make_response(render_template("privacy/_processors.html", **_processors_context(**overrides)), status)
    response.vary.add("HX-Request")
    return response


def _back_to_register() -> Response:
    return redirect(url_for("practice.privacy.settings", _anchor="processors"), 303)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def settings() -> Response:
    """The practice's privacy settings and its processors register."""
    form = PrivacySettingsForm(obj=services.privacy_settings())
    if form.validate_on_submit():
        changed = services.update_privacy_settings(current_user, {name: getattr(form, name).data for name in services.SETTINGS_FIELDS})
        db.session.commit()
        flash(_("The privacy settings have been saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("practice.privacy.settings"), 303)
    return _settings_page(form, 422 if form.is_submitted() else 200)


@bp.post("/processors")
@role_required(Role.PRACTICE_ADMIN)
def processor_create() -> Response:
    """Add a processor to the register."""
    form = _new_processor_form(formdata=True)
    if not form.validate_on_submit():
        if is_htmx():
            return _processors(422, new_form=form)
        return _settings_page(PrivacySettingsForm(obj=services.privacy_settings(), formdata=None), 422, new_form=form)
    services.add_processor(current_user, {name: getattr(form, name).data for name in services.PROCESSOR_FIELDS})
    db.session.commit()
    if not is_htmx():
        flash(_("The processor has been added."), "success")
        return _back_to_register()
    return _processors()


@bp.route("/processors/<int:processor_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def processor_edit(processor_id: int) -> Response:
    """Change a processor: inline in the register for htmx, on its own page otherwise."""
    processor: Processor = services.get_processor_or_404(processor_id)
    form = ProcessorForm(obj=processor)
    if form.validate_on_submit():
        services.update_processor(current_user, processor, {name: getattr(form, name).data for name in services.PROCESSOR_FIELDS})
        db.session.commit()
        if not is_htmx():
            flash(_("The processor has been saved."), "success")
            return _back_to_register()
        return _processors()
    status = 422 if form.is_submitted() else 200
    if is_htmx():
        return _processors(status, editing=processor.id, edit_form=form)
    return make_response(render_template("privacy/processor_edit.html", processor=processor, edit_form=form), status)


@bp.post("/processors/<int:processor_id>/delete")
@role_required(Role.PRACTICE_ADMIN)
def processor_delete(processor_id: int) -> Response:
    """Remove a processor from the register."""
    processor = services.get_processor_or_404(processor_id)
    services.delete_processor(current_user, processor)
    db.session.commit()
    if not is_htmx():
        flash(_("The processor has been removed."), "success")
        return _back_to_register()
    return _processors()


# --- the admin's audit-log search ------------------------------------------------------------------


def _person_label(person: User) -> str:
    return f"{person.full_name} ({auditlog.ROLE_LABELS.get(person.role, person.role)})"


@bp.get("/audit")
@role_required(Role.PRACTICE_ADMIN)
def audit_log() -> Response:
    """Search the practice's audit log by person, action and period; the page also checks the chain."""
    people = auditlog.members()
    by_id = {p.id: p for p in people}
    form = AuditSearchForm(formdata=request.args)
    form.set_choices(
        [(p.id, _person_label(p)) for p in people],
        [(code, f"{describe(code)} ({code})") for code in auditlog.action_codes()],
    )
    page = request.args.get("page", 1, type=int) or 1
    valid = form.validate()
    filters = auditlog.AuditFilters(
        person_id=int(form.person.data) if valid and form.person.data else None,
        person_since=by_id[int(form.person.data)].created_at if valid and form.person.data else None,
        involvement=form.involvement.data if valid else "any",
        action=(form.action.data or None) if valid else None,
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
    )
    results = auditlog.search(filters, page, people=by_id) if valid else None
    if valid:
        # Who searched the log for what is itself accountable: ids, codes and dates only. A
        # search for a person is about them, so it shows in that person's own access log.
        audit("audit_log.searched", "audit_log", actor=current_user, subject_id=filters.person_id, detail={
            key: value for key, value in {
                "person_id": filters.person_id, "involvement": filters.involvement if filters.person_id else None,
                "action": filters.action,
                "from": filters.date_from.isoformat() if filters.date_from else None,
                "to": filters.date_to.isoformat() if filters.date_to else None,
                "page": results.page if results else None,
            }.items() if value is not None
        })
    context: dict[str, Any] = {"form": form, "results": results, "query": _query_args(form) if valid else {}}
    if not is_htmx():
        report = auditlog.chain_status()
        context.update(chain=report, broken_reason=auditlog.broken_reason(report) if not report.ok else None)
    response = page_or_fragment("privacy/audit_log.html", "privacy/_audit_results.html", 200 if valid else 422, **context)
    db.session.commit()  # the search's own audit event (after rendering: commit expires the rows)
    return response


def _query_args(form: AuditSearchForm) -> dict[str, str]:
    """The filters as URL arguments, for the pagination links."""
    args = {
        "person": form.person.data or "",
        "involvement": form.involvement.data if form.person.data else "",
        "action": form.action.data or "",
        "date_from": form.date_from.data.isoformat() if form.date_from.data else "",
        "date_to": form.date_to.data.isoformat() if form.date_to.data else "",
    }
    return {key: value for key, value in args.items() if value}


# --- everyone's "my privacy" page and the client's access log ----------------------------------------


@bp.get("/mine")
@role_required(*Role.ALL)
def mine() -> str:
    """The person's own privacy page: every block registered for their role, in order."""
    # Each block is one of our own templates, rendered (and so escaped) on its own: safe markup.
    blocks = [
        (block, Markup(render_template(block.template, block=block, **context)))
        for block, context in blocks_for(current_user)
    ]
    page = render_template("privacy/mine.html", blocks=blocks)
    db.session.commit()  # whatever a block audited (after rendering: commit expires the rows)
    return page


@bp.get("/access-log")
@role_required(Role.CLIENT)
def access_log() -> Response:
    """Who viewed or changed the client's data, and when (their own log only: there is no id to ask for)."""
    log = auditlog.access_log(current_user, request.args.get("page", 1, type=int) or 1)
    # Not audited: see auditlog.access_log.
    return page_or_fragment("privacy/access_log.html", "privacy/_access_log.html", log=log)


@privacy_block("details", "privacy/_block_details.html", order=10, roles=Role.ALL)
def _details_block(person: User) -> dict[str, Any]:
    # A request starts on the rights helper's page when that feature is there.
    can_request = person.role == Role.CLIENT and "practice.rights.new" in current_app.view_functions
    return {"person": person, "can_request": can_request}


@privacy_block("access_log", "privacy/_block_access_log.html", order=50, roles=(Role.CLIENT,))
def _access_log_block(person: User) -> dict[str, Any]:
    return {"recent": auditlog.recent_access(person)}
