"""Documents: clients and coaches upload to the dossier; served only as downloads."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.documents import services
from app.documents.forms import UploadForm
from app.extensions import db
from app.web.forms import ActionForm
from app.web.nav import NavItem, register_nav

bp = Blueprint("documents", __name__, url_prefix="/documents")

register_nav(NavItem("practice.documents.mine", _l("My documents"), (Role.CLIENT,), 50))


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.file.description = services.limits_hint()
    return form


def _upload(form: UploadForm, client: User) -> int | None:
    """Store the form's file for client; None when stored, else the status (the message is on the field)."""
    if not form.validate_on_submit():
        return 422
    try:
        data = services.read_upload(form.file.data)
        services.store_document(current_user, client, form.file.data.filename, data)
    except services.UploadRefused as refused:
        db.session.rollback()
        form.file.errors.append(refused.message)
        return refused.status
    db.session.commit()
    flash(_("The document has been uploaded."), "success")
    return None


def _list_context(client: User) -> dict[str, Any]:
    documents = services.documents_of(client)
    return {
        "documents": documents,
        "uploaders": services.uploaders(documents),
        "human_size": services.human_size,
        "may_delete": lambda d: services.may_delete(current_user, d),
    }


@bp.route("/mine", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def mine() -> Response | tuple[str, int]:
    """The client's documents and uploading a new one ("My documents")."""
    form = _upload_form()
    status = 200
    if form.is_submitted():
        status = _upload(form, current_user)
        if status is None:
            return redirect(url_for("practice.documents.mine"), 303)
    context = _list_context(current_user)
    audit("document.list", "client", current_user.id)
    db.session.commit()
    return render_template("documents/mine.html", form=form, client=current_user, **context), status


@bp.route("/client/<int:client_id>/upload", methods=["GET", "POST"])
@role_required(Role.COACH)
def upload(client_id: int) -> Response | tuple[str, int]:
    """A coach uploads a document to a client's dossier."""
    client = get_client_or_404(client_id)
    form = _upload_form()
    status = 200
    if form.is_submitted():
        status = _upload(form, client)
        if status is None:
            return redirect(url_for("practice.clients.dossier", client_id=client.id), 303)
    return render_template("documents/upload.html", form=form, client=client), status


@bp.get("/<int:document_id>/download")
@role_required(Role.COACH, Role.CLIENT)
def download(document_id: int) -> Response:
    """The document as a download, never shown inline."""
    document = services.get_document_or_404(document_id)
    content, name = services.content_for_download(current_user, document)
    db.session.commit()
    response = send_file(
        io.BytesIO(content), mimetype=document.content_type, as_attachment=True, download_name=name,
        conditional=False, etag=False, max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway: no scripts, no plugins, a unique origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:document_id>/delete", methods=["GET", "POST"])
@role_required(Role.COACH, Role.CLIENT)
def delete(document_id: int) -> Response | str:
    """Ask, then delete a document; only its uploader may."""
    document = services.get_document_or_404(document_id)
    if not services.may_delete(current_user, document):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit():
        client_id = document.client_id
        services.delete_document(current_user, document)
        db.session.commit()
        flash(_("The document has been deleted."), "success")
        if current_user.role == Role.CLIENT:
            return redirect(url_for("practice.documents.mine"), 303)
        return redirect(url_for("practice.clients.dossier", client_id=client_id), 303)
    audit("document.read", "document", document.id, detail={"for": "delete"})
    db.session.commit()
    return render_template(
        "documents/delete.html", form=form, document=document, client=db.session.get(User, document.client_id),
        human_size=services.human_size,
    )


@dossier_section("documents", _l("Documents"), "documents/_section.html", order=50)
def _documents_section(client: User, viewer: User) -> dict[str, Any]:
    return {**_list_context(client), "form": _upload_form()}
