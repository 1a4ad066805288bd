"""The practice admin's settings page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role
from app.settings.forms import SettingsForm
from app.settings.services import practice_settings, update_settings
from app.web.nav import NavItem, register_nav

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

register_nav(NavItem("practice.settings.index", _l("Settings"), (Role.PRACTICE_ADMIN,), 60))


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def index() -> Response | tuple[str, int]:
    """View and change the practice's settings."""
    form = SettingsForm(obj=practice_settings())
    if form.validate_on_submit():
        update_settings(current_user, shared_caseloads=bool(form.shared_caseloads.data))
        flash(_("The settings have been saved."), "success")
        return redirect(url_for("practice.settings.index"), 303)
    return render_template("settings/index.html", form=form), 422 if form.is_submitted() else 200
