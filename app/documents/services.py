"""Documents of a client's dossier: checking uploads, storing them encrypted, downloads and deletes."""
from __future__ import annotations

from flask import abort, current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import can_view_client
from app.documents import filetypes
from app.documents.models import Document
from app.extensions import db
from app.web.urls import practice_path
from app.notifications.models import NotificationKind
from app.notifications.services import notify

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class UploadRefused(Exception):
    """An upload that is not stored, with the message for the person and the HTTP status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def max_bytes() -> int:
    """The largest document this installation accepts (DOCUMENT_MAX_BYTES)."""
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    """A size as people read it: "10 MB", "512 KB", "12 bytes"."""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 1)))
    return _("%(size)s bytes", size=format_decimal(size))


def limits_hint() -> str:
    """What may be uploaded, for the hint under the file field."""
    return _(
        "PDF, Word (.docx), OpenDocument text (.odt), plain text, PNG or JPEG; at most %(size)s.",
        size=human_size(max_bytes()),
    )


def read_upload(storage: FileStorage) -> bytes:
    """The uploaded bytes, refusing a file that is empty or larger than the limit."""
    limit = max_bytes()
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("The file is larger than %(size)s. Upload a smaller file.", size=human_size(limit)), 413)
    if not data:
        raise UploadRefused(_("The file is empty. Choose another file."))
    return data


def store_document(uploader: User, client: User, filename: str | None, data: bytes) -> Document:
    """Check the content's type, store the document encrypted and notify the other party (not committed)."""
    content_type = filetypes.detect(data)
    if content_type is None:
        raise UploadRefused(
            _("This type of file cannot be uploaded. Upload a PDF, Word (.docx), OpenDocument text (.odt), "
              "plain text, PNG or JPEG file.")
        )
    document = Document(
        client_id=client.id,
        uploaded_by_id=uploader.id,
        filename=filetypes.clean_filename(filename) or _("document"),
        content_type=content_type,
        size=len(data),
        content=data,
    )
    db.session.add(document)
    db.session.flush()
    audit("document.create", "document", document.id, actor=uploader,
          detail={"client_id": client.id, "content_type": content_type, "size": len(data)})
    if uploader.role == Role.CLIENT:
        for coach in accounts.coaches_of(client):
            notify(coach, NotificationKind.DOCUMENT_UPLOADED,
                   practice_path("practice.clients.dossier", client_id=client.id), actor=uploader, about=client)
    else:
        notify(client, NotificationKind.DOCUMENT_UPLOADED, practice_path("practice.documents.mine"), actor=uploader, about=client)
    return document


def get_document_or_404(document_id: int) -> Document:
    """The document with this id if the signed-in person may see the client's dossier; else 404."""
    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    client = db.session.get(User, document.client_id)
    if client is None or not can_view_client(current_user, client):
        abort(404)
    return document


def documents_of(client: User) -> list[Document]:
    """The client's documents, newest first (without their content)."""
    return list(
        db.session.scalars(
            select(Document).where(Document.client_id == client.id).order_by(Document.created_at.desc(), Document.id.desc())
        )
    )


def may_delete(viewer: User, document: Document) -> bool:
    """Only the person who uploaded a document deletes it."""
    return document.uploaded_by_id is not None and document.uploaded_by_id == viewer.id


def delete_document(actor: User, document: Document) -> None:
    """Delete a document (not committed)."""
    audit("document.delete", "document", document.id, actor=actor, detail={"client_id": document.client_id})
    db.session.delete(document)


def content_for_download(actor: User, document: Document) -> tuple[bytes, str]:
    """The content and a safe file name; the download is audited (not committed)."""
    audit("document.download", "document", document.id, actor=actor, detail={"client_id": document.client_id})
    return document.content, filetypes.download_name(document.filename, document.content_type)


def uploaders(documents: list[Document]) -> dict[int, User]:
    """The people who uploaded these documents, by id."""
    ids = {d.uploaded_by_id for d in documents if d.uploaded_by_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
