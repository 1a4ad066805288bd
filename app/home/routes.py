"""Where each role lands after signing in: the coach's and the client's dashboards."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.accounts.access import home_endpoint, role_required
from app.accounts.models import Role
from app.exercises import services as exercises
from app.extensions import db
from app.goals import services as goals
from app.home import services
from app.messages import services as messages
from app.programmes import services as programmes
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("home", __name__)

register_nav(NavItem("practice.home.coach", _l("Overview"), (Role.COACH,), 10))
register_nav(NavItem("practice.home.client", _l("Home"), (Role.CLIENT,), 10))


@bp.get("/")
def index() -> Response:
    """The practice's root: the sign-in page, or the person's own page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return redirect(url_for("practice.accounts.login"))


@bp.get("/coach")
@role_required(Role.COACH)
def coach() -> Response:
    """The coach's dashboard; htmx gets only the searched, filtered client list."""
    listing = services.client_page(
        current_user,
        request.args.get("q", "")[:100],
        request.args.get("show", ""),
        request.args.get("page", 1, type=int) or 1,
    )
    extra = {} if is_htmx() else {
        "totals": services.coach_totals(current_user),
        "activity": services.recent_activity(current_user),
    }
    response = page_or_fragment("home/coach.html", "home/_coach_clients.html", listing=listing, **extra)
    db.session.commit()  # the audit event of the listed programmes (after rendering: commit expires the rows)
    return response


@bp.get("/me")
@role_required(Role.CLIENT)
def client() -> str:
    """The client's dashboard: what to do next, exercises, feedback, messages, goals, programmes, coaches."""
    views = programmes.client_overview(current_user, current_user, "home")
    locked = programmes.locked_in(views)
    assignments = [a for a in exercises.assignments_for(current_user) if a.id not in locked]
    open_ = services.open_assignments(assignments)
    page = render_template(
        "home/client.html",
        views=views,
        next_step=services.next_step(views, open_),
        open_assignments=open_,
        feedback=services.feedback_received(assignments),
        unread=messages.unread_total(current_user),
        goals=goals.goals_of(current_user, current_user),
        coaches=accounts.coaches_of(current_user),
        today=programmes.today(),
    )
    db.session.commit()  # the audit events of the reads (after rendering: commit expires the rows)
    return page
