"""Session reports: the coach writes and edits them; the client reads the shared ones."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.reports import services
from app.reports.forms import ReportForm
from app.web.nav import NavItem, register_nav

bp = Blueprint("reports", __name__, url_prefix="/reports")

register_nav(NavItem("practice.reports.mine", _l("My sessions"), (Role.CLIENT,), 40))


@bp.get("/mine")
@role_required(Role.CLIENT)
def mine() -> str:
    """The client's shared session reports ("My sessions")."""
    reports = services.reports_for(current_user, current_user)
    audit("report.list", "client", current_user.id)
    db.session.commit()
    return render_template(
        "reports/mine.html", reports=reports, authors=services.authors({r.author_id for r in reports})
    )


@bp.route("/client/<int:client_id>/new", methods=["GET", "POST"])
@role_required(Role.COACH)
def new(client_id: int) -> Response | tuple[str, int]:
    """Record a session with a client."""
    client = get_client_or_404(client_id)
    form = ReportForm()
    if form.validate_on_submit():
        report = services.create_report(current_user, client, form.data)
        db.session.commit()
        flash(_("The session report has been saved."), "success")
        return redirect(url_for("practice.reports.view", report_id=report.id), 303)
    return render_template("reports/form.html", form=form, client=client, report=None), 422 if form.is_submitted() else 200


@bp.get("/<int:report_id>")
@role_required(Role.COACH, Role.CLIENT)
def view(report_id: int) -> str:
    """One report: all of them for the client's coaches, shared ones for the client."""
    report = services.get_report_or_404(report_id)
    audit("report.read", "session_report", report.id)
    db.session.commit()
    return render_template("reports/view.html", report=report, **_context(report))


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@role_required(Role.COACH)
def edit(report_id: int) -> Response | tuple[str, int]:
    """Edit a report; the previous text stays in the history."""
    report = services.get_report_or_404(report_id)
    form = ReportForm(obj=report)
    if not form.is_submitted():
        audit("report.read", "session_report", report.id, detail={"for": "edit"})
        db.session.commit()
    if form.validate_on_submit():
        changed = services.update_report(current_user, report, form.data)
        db.session.commit()
        flash(_("The session report has been saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("practice.reports.view", report_id=report.id), 303)
    client = db.session.get(User, report.client_id)
    return render_template("reports/form.html", form=form, client=client, report=report), 422 if form.is_submitted() else 200


@bp.get("/<int:report_id>/versions")
@role_required(Role.COACH)
def versions(report_id: int) -> str:
    """The history of a report: every version with its date and author."""
    report = services.get_report_or_404(report_id)
    history = services.versions_of(report)
    audit("report.history.read", "session_report", report.id)
    db.session.commit()
    return render_template(
        "reports/versions.html", report=report, versions=history,
        authors=services.authors({v.author_id for v in history}), client=db.session.get(User, report.client_id),
    )


@bp.get("/<int:report_id>/versions/<int:version_id>")
@role_required(Role.COACH)
def version(report_id: int, version_id: int) -> str:
    """One earlier version of a report."""
    report = services.get_report_or_404(report_id)
    old = services.get_version_or_404(report, version_id)
    audit("report.version.read", "session_report", report.id, detail={"version": old.number})
    db.session.commit()
    return render_template(
        "reports/version.html", report=report, version=old, author=services.authors({old.author_id}).get(old.author_id),
        client=db.session.get(User, report.client_id),
    )


def _context(report: Any) -> dict[str, Any]:
    return {
        "client": db.session.get(User, report.client_id),
        "author": services.authors({report.author_id}).get(report.author_id),
    }


@dossier_section("reports", _l("Session reports"), "reports/_section.html", order=40)
def _reports_section(client: User, viewer: User) -> dict[str, Any]:
    reports = services.reports_for(client, viewer)
    return {"reports": reports, "authors": services.authors({r.author_id for r in reports})}
