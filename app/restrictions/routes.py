"""Restrictions: the practice admin's list, starting and lifting; the 409 answer of the guard; banners."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    g,
    has_request_context,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.extensions import RoutingSession, db
from app.restrictions import guard, services
from app.restrictions.access import managed_client_or_404
from app.restrictions.forms import LiftForm, StartForm
from app.restrictions.models import Restriction, RestrictionReason
from app.tenancy.context import current_practice_or_none
from app.web.htmx import is_htmx
from app.web.nav import NavItem, register_nav

bp = Blueprint("restrictions", __name__, url_prefix="/restrictions")


# Every flush of the app's session passes the guard, in requests, commands and jobs alike.
guard.install(RoutingSession)


def _back_to_person(client: User) -> Response:
    return redirect(url_for("practice.consent.person", user_id=client.id, _anchor="restriction"), 303)


def _person_page(client: User, status: int, **forms: Any) -> Response:
    """The admin's page of this client, with a refused form's errors."""
    from app.consent.routes import person_page

    return person_page(client, status, **forms)


@bp.get("/")
@role_required(Role.PRACTICE_ADMIN)
def index() -> str:
    """The restrictions in force in the practice."""
    restrictions = services.active_restrictions()
    ids = {r.client_id for r in restrictions} | {r.started_by_id for r in restrictions if r.started_by_id}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("restrictions/index.html", restrictions=restrictions, people=people)


@bp.post("/clients/<int:client_id>")
@role_required(Role.PRACTICE_ADMIN)
def start(client_id: int) -> Response:
    """Restrict a client's dossier (the practice admin, for one of the reasons)."""
    client = managed_client_or_404(client_id)
    form = StartForm()
    if not form.validate_on_submit():
        return _person_page(client, 422, start_form=form)
    if services.active_restriction(client) is not None:
        form.reason.errors = [_("This client's dossier is already restricted.")]
        return _person_page(client, 409, start_form=form)
    services.restrict(client, form.reason.data, current_user)
    db.session.commit()
    flash(_("The dossier of %(name)s is restricted.", name=client.full_name), "success")
    return _back_to_person(client)


@bp.post("/clients/<int:client_id>/lift")
@role_required(Role.PRACTICE_ADMIN)
def lift(client_id: int) -> Response:
    """Lift a client's restriction, with a note saying why."""
    client = managed_client_or_404(client_id)
    form = LiftForm()
    if not form.validate_on_submit():
        return _person_page(client, 422, lift_form=form)
    try:
        services.lift(client, current_user, form.note.data or "")
    except services.RestrictionError as error:
        db.session.rollback()
        form.note.errors = [str(error)]
        return _person_page(client, 409 if services.active_restriction(client) is None else 422, lift_form=form)
    db.session.commit()
    flash(_("The restriction of %(name)s's dossier is lifted.", name=client.full_name), "success")
    return _back_to_person(client)


# --- the guard's answer, and the banners ---------------------------------------------------------


@bp.app_errorhandler(services.DossierRestricted)
def refused(error: services.DossierRestricted) -> Response:
    """409: nothing was saved, because the dossier is restricted; says why."""
    db.session.rollback()
    own = bool(current_user.is_authenticated and current_user.id == error.client_id)
    context = {"reason": RestrictionReason.label(error.reason, own=own), "own": own}
    template = "restrictions/_refused.html" if is_htmx() else "restrictions/refused.html"
    response = make_response(render_template(template, **context), 409)
    response.vary.add("HX-Request")
    return response


def own_restriction() -> Restriction | None:
    """The signed-in client's restriction in force (once per request), for the banner on every page."""
    if not has_request_context() or current_practice_or_none() is None:
        return None
    if "koers_own_restriction" not in g:
        user = current_user
        active = (
            services.active_restriction(user)
            if user is not None and user.is_authenticated and user.role == Role.CLIENT
            else None
        )
        g.koers_own_restriction = active
    return g.koers_own_restriction


def dossier_restriction(client: User) -> Restriction | None:
    """The restriction in force on this client's dossier, for the banner coaches see."""
    return services.active_restriction(client)


@bp.app_context_processor
def restriction_helpers() -> dict[str, Any]:
    return {"own_restriction": own_restriction, "dossier_restriction": dossier_restriction}
