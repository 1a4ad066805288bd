"""Where each role lands after signing in."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.accounts.access import home_endpoint, role_required
from app.accounts.models import Role
from app.web.nav import NavItem, register_nav

bp = Blueprint("home", __name__)

register_nav(NavItem("practice.home.coach", _l("Overview"), (Role.COACH,), 10))
register_nav(NavItem("practice.home.client", _l("My programme"), (Role.CLIENT,), 10))


@bp.get("/")
def index() -> Response:
    """The practice's root: the sign-in page, or the person's own page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return redirect(url_for("practice.accounts.login"))


@bp.get("/coach")
@role_required(Role.COACH)
def coach() -> str:
    """The coach's page: the clients they guide."""
    return render_template("home/coach.html", clients=accounts.clients_of(current_user))


@bp.get("/me")
@role_required(Role.CLIENT)
def client() -> str:
    """The client's page: who guides them."""
    return render_template("home/client.html", coaches=accounts.coaches_of(current_user))
