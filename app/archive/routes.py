"""Exports: a client's own export, the practice admin's client and practice exports, downloads, and imports."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.accounts.access import role_required
from app.accounts.reauth import recent_password_required
from app.accounts.models import Role, User
from app.archive import jobs, services
from app.archive.forms import ImportForm
from app.archive.models import ExportJob
from app.extensions import db
from app.privacy.hub import privacy_block
from app.web.forms import ActionForm
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("archive", __name__, url_prefix="/exports")



def _job_or_404(job_id: int) -> ExportJob:
    """The export job if the signed-in person asked for it; 404 for anyone else's or an unknown id."""
    job = jobs.job_for(current_user, job_id)
    if job is None:
        abort(404)
    return job


def _names(job_list: list[ExportJob]) -> dict[int, str]:
    """The names of the clients these jobs export, for their titles."""
    ids = {job.client_id for job in job_list if job.client_id is not None}
    if not ids:
        return {}
    return {u.id: u.full_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _jobs_context(person: User) -> dict[str, Any]:
    recent = jobs.recent_jobs(person)
    return {"jobs": recent, "names": _names(recent), "state": jobs.state, "export_form": ActionForm()}


def _locale() -> str:
    return str(get_locale() or "")


@privacy_block("export", "archive/_privacy_block.html", 40, (Role.CLIENT,))
def _export_block(person: User) -> dict[str, Any]:
    return _jobs_context(person)


@bp.route("/mine", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def mine() -> Response:
    """The client's own exports: prepare one, follow its progress, download it."""
    form = ActionForm()
    if form.validate_on_submit():
        jobs.start_export(current_user, current_user, _locale())
        if not is_htmx():
            return redirect(url_for("practice.archive.mine"), 303)
    response = page_or_fragment("archive/mine.html", "archive/_exports.html", **_jobs_context(current_user))
    db.session.commit()
    return response


@bp.get("/")
@role_required(Role.PRACTICE_ADMIN)
def index() -> Response:
    """The practice admin's exports: a client's or the whole practice's, and importing a client's archive."""
    clients = [u for u in accounts.list_users() if u.role == Role.CLIENT]
    response = make_response(render_template("archive/index_admin.html", clients=clients, **_jobs_context(current_user)))
    db.session.commit()
    return response


def _started(job: ExportJob) -> Response:
    if is_htmx():
        return page_or_fragment("archive/mine.html", "archive/_exports.html", **_jobs_context(current_user))
    return redirect(url_for("practice.archive.job", job_id=job.id), 303)


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def client_export(client_id: int) -> Response:
    """The practice admin prepares the export of one client (a request for a copy, say); GET asks first."""
    client = db.session.get(User, client_id)
    if client is None or client.role != Role.CLIENT:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        response = make_response(render_template("archive/client_export.html", client=client, export_form=form))
        db.session.commit()
        return response
    return _started(jobs.start_export(current_user, client, _locale()))


@bp.post("/practice")
@role_required(Role.PRACTICE_ADMIN)
@recent_password_required
def practice_export() -> Response:
    """The practice admin prepares the export of the whole practice."""
    if not ActionForm().validate_on_submit():
        abort(400)
    return _started(jobs.start_export(current_user, None, _locale()))


@bp.get("/jobs/<int:job_id>")
@role_required(*Role.ALL)
def job(job_id: int) -> Response:
    """An export's progress (polled by htmx until it is ready), then its download link."""
    found = _job_or_404(job_id)
    context = {"job": found, "names": _names([found]), "state": jobs.state}
    response = page_or_fragment("archive/job.html", "archive/_job.html", **context)
    db.session.commit()
    return response


@bp.get("/jobs/<int:job_id>/download")
@role_required(*Role.ALL)
def download(job_id: int) -> Response:
    """The export's ZIP as a download with a neutral name, once; the file is removed as it is sent."""
    found = _job_or_404(job_id)
    try:
        handle, name = jobs.take_download(current_user, found)
    except jobs.ExportNotReady:
        db.session.rollback()
        return make_response(render_template(
            "archive/gone.html", message=_("This export is not ready to download."), job=found), 409)
    except jobs.ExportGone as gone:
        db.session.commit()
        return make_response(render_template("archive/gone.html", message=_(gone.message), job=found), 410)
    return send_file(handle, mimetype="application/zip", as_attachment=True, download_name=name,
                     conditional=False, etag=False, max_age=0)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def import_archive() -> Response:
    """A practice admin imports a client's archive: the client moves here with everything of theirs."""
    form = ImportForm()
    coaches = accounts.coaches()
    form.set_coaches([(c.id, c.full_name) for c in coaches])
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            coach = next((c for c in coaches if c.id == form.coach.data), None)
            try:
                client = services.import_client_archive(form.file.data.stream, current_user, coach)
            except services.ArchiveError as error:
                form.file.errors.append(error.translated())
            else:
                flash(_("%(name)s has been imported with their data and has been sent an invitation.",
                        name=client.full_name), "success")
                return redirect(url_for("practice.archive.index"), 303)
    response = make_response(render_template("archive/import.html", form=form), status)
    db.session.commit()
    return response
