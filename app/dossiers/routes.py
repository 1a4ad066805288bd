"""Practice pages of the dossiers package: dossiers due for deletion, extending once, deleting now, the policy."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.reauth import recent_password_required
from app.accounts.models import Role, User
from app.dossiers import rule as _rule  # noqa: F401  (registers the retention rule "dossiers.expired")
from app.dossiers import services
from app.dossiers.forms import DeleteNowForm, ExtendForm, PolicyForm
from app.extensions import db
from app.rights import erasure
from app.timeutil import utcnow
from app.web.htmx import page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

register_nav(NavItem("practice.dossiers.due", _l("Dossier retention"), (Role.COACH,), 85))


def _due_context(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    context: dict[str, Any] = {
        "items": services.due_within(services.DUE_SOON_DAYS, now, current_user),
        "today": now.date(),
        "months": services.retention_months(),
        "is_admin": current_user.role == Role.PRACTICE_ADMIN,
        "days": services.DUE_SOON_DAYS,
    }
    context.update(overrides)
    return context


def _due_page(status: int = 200, **overrides: Any) -> Response:
    return page_or_fragment("dossiers/due.html", "dossiers/_due.html", status, **_due_context(**overrides))


@bp.get("/")
@role_required(Role.COACH, Role.PRACTICE_ADMIN)
def due() -> Response:
    """Dossiers due for deletion within 30 days, and overdue ones: a coach's own clients, or the whole practice for its admin."""
    return _due_page()


@bp.route("/<int:client_id>/extend", methods=["GET", "POST"])
@role_required(Role.COACH)
def extend(client_id: int) -> Response:
    """Keep a client's dossier longer, once, with a reason."""
    client = services.get_due_client_or_404(client_id, current_user)
    due = services.due_date(client)
    form = ExtendForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.extend(client, current_user, int(form.months.data), form.reason.data)
        except (services.AlreadyExtended, services.NotDue) as error:
            db.session.rollback()
            return make_response(render_template("dossiers/refused.html", message=str(error)), 409)
        except services.DossierError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
            status = 422
        else:
            db.session.commit()
            flash(_("The dossier of %(name)s is kept %(num)d months longer.", name=client.full_name,
                    num=int(form.months.data)), "success")
            return redirect(url_for("practice.dossiers.due"), 303)
    elif form.is_submitted():
        status = 422
    page = render_template("dossiers/extend.html", client=client, due=due,
                           extension=services.extension_of(client), form=form)
    return make_response(page, status)


@bp.route("/<int:client_id>/delete", methods=["GET", "POST"])
@role_required(Role.COACH)
@recent_password_required
def delete(client_id: int) -> Response:
    """Delete a due dossier now, once the client's full name is typed (the same deletion as the erasure right)."""
    client: User = services.get_due_client_or_404(client_id, current_user)
    try:
        due = services.check_deletable_now(client)
    except services.NotDue as error:
        return make_response(render_template("dossiers/refused.html", message=str(error)), 409)
    form = DeleteNowForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.delete_now(client, current_user, form.typed_name.data)
        except erasure.ErasureError as error:
            db.session.rollback()
            form.typed_name.errors = [*form.typed_name.errors, str(error)]
            status = 422
        except services.NotDue as error:
            db.session.rollback()
            return make_response(render_template("dossiers/refused.html", message=str(error)), 409)
        else:
            flash(_("The dossier has been deleted."), "success")
            return redirect(url_for("practice.dossiers.due"), 303)
    elif form.is_submitted():
        status = 422
    page = render_template("dossiers/delete.html", client=client, due=due, preview=erasure.preview(client), form=form)
    return make_response(page, status)


@bp.route("/policy", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def policy() -> Response:
    """The practice's legal cap on keeping dossiers and what happens at the due date."""
    row = services.policy()
    form = PolicyForm(obj=row)
    status = 200
    if form.validate_on_submit():
        try:
            changed = services.update_policy(current_user, form.retention_cap_months.data, form.on_expiry.data)
        except services.DossierError as error:
            db.session.rollback()
            form.retention_cap_months.errors = [*form.retention_cap_months.errors, str(error)]
            status = 422
        else:
            db.session.commit()
            flash(_("The retention policy has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("practice.dossiers.policy"), 303)
    elif form.is_submitted():
        status = 422
    page = render_template("dossiers/policy.html", form=form, months=services.retention_months())
    return make_response(page, status)
