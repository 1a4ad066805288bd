"""The person's notices, the unread badge in the menu, and the e-mail preference."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.models import Role
from app.extensions import db
from app.notifications import services
from app.tenancy.context import current_practice
from app.web.navigation import safe_next
from app.web.nav import NavItem, register_nav

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

register_nav(NavItem("practice.notifications.index", _l("Notifications"), Role.ALL, 80, "practice.notifications.badge"))


@bp.get("/")
@login_required
def index() -> str:
    """The person's newest notices."""
    return render_template("notifications/index.html", notices=services.recent(current_user))


@bp.get("/badge")
@login_required
def badge() -> str:
    """The unread count for the menu (polled by htmx); empty when there is nothing new."""
    count = services.unread_count(current_user)
    return render_template("notifications/_badge.html", count=count)


@bp.get("/<int:notification_id>")
@login_required
def open(notification_id: int) -> Response:  # noqa: A001 (the verb is the clearest name)
    """Mark a notice read and go to what it is about."""
    notice = services.notice_for(current_user, notification_id)
    if notice is None:
        abort(404)
    services.mark_read(notice)
    db.session.commit()
    target = safe_next(notice.url, f"/{current_practice().slug}/")
    return redirect(target or url_for("practice.notifications.index"), 303)


@bp.post("/read")
@login_required
def read_all() -> Response:
    """Mark every notice read."""
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("practice.notifications.index"), 303)


@bp.post("/email")
@login_required
def email_preference() -> Response:
    """Switch notification e-mails on or off."""
    wanted = request.form.get("email_notifications") == "on"
    current_user.email_notifications = wanted
    db.session.commit()
    flash(_("You will get an e-mail when there is something new.") if wanted else _("You will no longer get e-mails about new things; they still appear here."), "success")
    return redirect(url_for("practice.notifications.index"), 303)
