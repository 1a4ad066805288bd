"""Session reports: who may read them, writing and editing them, and their version history."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import can_view_client
from app.extensions import db
from app.reports.models import ReportVersion, SessionReport, Visibility
from app.timeutil import utcnow

FIELDS = ("session_date", "duration_minutes", "kind", "visibility", "text")


def may_read(viewer: User, report: SessionReport, client: User) -> bool:
    """The client's coaches read every report; the client only the shared ones."""
    if not can_view_client(viewer, client):
        return False
    return viewer.role == Role.COACH or report.visibility == Visibility.SHARED


def get_report_or_404(report_id: int) -> SessionReport:
    """The report with this id if the signed-in person may read it; 404 for anything else."""
    report = db.session.get(SessionReport, report_id)
    if report is None:
        abort(404)
    client = db.session.get(User, report.client_id)
    if client is None or not may_read(current_user, report, client):
        abort(404)
    return report


def get_version_or_404(report: SessionReport, version_id: int) -> ReportVersion:
    """A version of report (whose access was checked by get_report_or_404)."""
    version = db.session.get(ReportVersion, version_id)
    if version is None or version.report_id != report.id:
        abort(404)
    return version


def reports_for(client: User, viewer: User) -> list[SessionReport]:
    """The client's reports viewer may read, newest session first."""
    query = select(SessionReport).where(SessionReport.client_id == client.id)
    if viewer.role != Role.COACH:
        query = query.where(SessionReport.visibility == Visibility.SHARED)
    return list(db.session.scalars(query.order_by(SessionReport.session_date.desc(), SessionReport.id.desc())))


def _snapshot(report: SessionReport, author: User, number: int) -> ReportVersion:
    version = ReportVersion(report_id=report.id, number=number, author_id=author.id)
    for name in FIELDS:
        setattr(version, name, getattr(report, name))
    db.session.add(version)
    return version


def create_report(author: User, client: User, values: dict[str, Any]) -> SessionReport:
    """Record a session for client; the first version is kept too (not committed)."""
    report = SessionReport(client_id=client.id, author_id=author.id, **{n: values[n] for n in FIELDS})
    db.session.add(report)
    db.session.flush()
    _snapshot(report, author, 1)
    audit("report.create", "session_report", report.id, actor=author, detail={"client_id": client.id})
    return report


def update_report(author: User, report: SessionReport, values: dict[str, Any]) -> list[str]:
    """Save changes as a new version; return the names of the changed fields (not committed)."""
    changed = [name for name in FIELDS if getattr(report, name) != values[name]]
    if not changed:
        return []
    for name in changed:
        setattr(report, name, values[name])
    report.updated_at = utcnow()
    number = (db.session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id)) or 0) + 1
    _snapshot(report, author, number)
    audit("report.update", "session_report", report.id, actor=author, detail={"fields": changed, "version": number})
    return changed


def versions_of(report: SessionReport) -> list[ReportVersion]:
    """Every saved version of report, newest first."""
    return list(
        db.session.scalars(
            select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.number.desc())
        )
    )


def authors(user_ids: set[int | None]) -> dict[int, User]:
    """The people with these ids (authors of reports and versions), by id."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
