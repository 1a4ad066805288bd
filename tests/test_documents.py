"""Documents: uploads checked by content, stored encrypted, served only as downloads, access and audit."""
from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import Notification
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def small_pdf(text: str = "Curriculum vitae") -> bytes:
    """A real one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({
    "[Content_Types].xml": b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "word/document.xml": b"<w:document/>",
})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def upload(visitor, url: str, content: bytes, name: str):
    return visitor.post(url, {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def client_upload(as_persona, content: bytes, name: str = "cv.pdf"):
    return upload(as_persona("carol", lang="en"), f"/{ONE}/documents/mine", content, name)


def coach_upload(as_persona, world, content: bytes, name: str = "report.pdf"):
    return upload(as_persona("alice", lang="en"), f"/{ONE}/documents/client/{world.ids['carol']}/upload", content, name)


def stored(app, world) -> list[Document]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return list(db.session.scalars(select(Document)))


def only_document_id(app, world) -> int:
    documents = stored(app, world)
    assert len(documents) == 1
    return documents[0].id


def test_it_returns_an_uploaded_pdf_byte_for_byte_as_an_attachment(app, world, as_persona):
    pdf = small_pdf()
    assert client_upload(as_persona, pdf).status_code == 303
    document_id = only_document_id(app, world)
    response = as_persona("alice", lang="en").get(f"/{ONE}/documents/{document_id}/download")
    assert response.status_code == 200
    assert response.data == pdf
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename=cv.pdf' in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The client downloads her own document the same way.
    assert as_persona("carol", lang="en").get(f"/{ONE}/documents/{document_id}/download").data == pdf


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (DOCX, "brief.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (ODT, "brief.odt", "application/vnd.oasis.opendocument.text"),
        (PNG, "diploma.png", "image/png"),
        (JPEG, "diploma.jpg", "image/jpeg"),
        ("Notities – één".encode(), "notes.txt", "text/plain"),
        (small_pdf(), "cv", "application/pdf"),  # the name does not matter, the content does
    ],
)
def test_it_recognises_each_accepted_type_from_its_content(app, world, as_persona, content, name, content_type):
    assert client_upload(as_persona, content, name).status_code == 303
    [document] = stored(app, world)
    assert document.content_type == content_type
    download = as_persona("carol", lang="en").get(f"/{ONE}/documents/{document.id}/download")
    assert download.headers["Content-Type"].split(";")[0] == content_type
    assert download.data == content


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", "cv.pdf"),  # a Windows program
        (zipped({"evil.exe": b"MZ"}), "cv.docx"),  # a zip that is no Word document
        (b"\x00\x01binary", "notes.txt"),
        (b"\xff\xfe not utf-8", "notes.txt"),
        (b"PK\x03\x04 broken zip", "cv.docx"),
    ],
)
def test_it_refuses_other_files_with_a_message_and_stores_nothing(app, world, as_persona, content, name):
    response = client_upload(as_persona, content, name)
    assert response.status_code == 422
    assert "This type of file cannot be uploaded." in response.get_data(as_text=True)
    assert stored(app, world) == []


def test_it_refuses_a_file_over_the_configured_size(app, world, as_persona):
    app.config["DOCUMENT_MAX_BYTES"] = 2048
    page = as_persona("carol", lang="en").get(f"/{ONE}/documents/mine").get_data(as_text=True)
    assert "at most 2 KB" in page
    response = client_upload(as_persona, b"%PDF-1.4\n" + b"x" * 2048)
    assert response.status_code == 413
    assert "The file is larger than 2 KB." in response.get_data(as_text=True)
    assert stored(app, world) == []


def test_it_refuses_an_empty_or_missing_file(app, world, as_persona):
    assert client_upload(as_persona, b"", "empty.txt").status_code == 422
    response = as_persona("carol", lang="en").post(f"/{ONE}/documents/mine", {})
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)
    assert stored(app, world) == []


def test_it_shows_a_labelled_upload_field_with_the_limit(as_persona, world):
    for page in (
        as_persona("carol", lang="en").get(f"/{ONE}/documents/mine").get_data(as_text=True),
        as_persona("alice", lang="en").htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/documents").get_data(as_text=True),
    ):
        assert '<label for="file">Document</label>' in page
        assert 'accept=".pdf,' in page and 'enctype="multipart/form-data"' in page
        assert "at most 10 MB" in page


def test_it_keeps_the_content_and_name_out_of_the_raw_practice_file(app, world, as_persona, instance: Path):
    marker = f"marker-{secrets.token_hex(16)}"
    assert client_upload(as_persona, small_pdf(marker), f"{marker}.pdf").status_code == 303
    path = instance / "tenants" / f"{ONE}.sqlite"
    for raw in (path.read_bytes(), Path(f"{path}-wal").read_bytes()):
        assert marker.encode() not in raw


def test_it_notifies_the_coach_of_a_client_upload_and_the_client_of_a_coach_upload(app, world, as_persona):
    client_upload(as_persona, small_pdf())
    coach_upload(as_persona, world, small_pdf())
    with app.app_context(), use_practice(world.practices[ONE]):
        notices = {(n.user_id, n.kind, n.url) for n in db.session.scalars(select(Notification))}
    assert notices == {
        (world.ids["alice"], "document_uploaded", f"/{ONE}/clients/{world.ids['carol']}"),
        (world.ids["carol"], "document_uploaded", f"/{ONE}/documents/mine"),
    }


def test_it_lets_only_the_uploader_delete_after_confirming(app, world, as_persona):
    client_upload(as_persona, small_pdf())
    document_id = only_document_id(app, world)
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    assert alice.post(f"/{ONE}/documents/{document_id}/delete").status_code == 403
    confirm = carol.get(f"/{ONE}/documents/{document_id}/delete")
    assert confirm.status_code == 200 and "Delete this document?" in confirm.get_data(as_text=True)
    assert len(stored(app, world)) == 1
    assert carol.post(f"/{ONE}/documents/{document_id}/delete").status_code == 303
    assert stored(app, world) == []
    assert carol.get(f"/{ONE}/documents/{document_id}/download").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("admin", 403), ("eve", 302)],
)
def test_it_lets_only_the_client_and_their_coach_download(app, world, as_persona, persona, status):
    client_upload(as_persona, small_pdf())
    document_id = only_document_id(app, world)
    response = as_persona(persona, lang="en").get(f"/{ONE}/documents/{document_id}/download")
    assert response.status_code == status
    assert (b"%PDF" in response.data) == (status == 200)


def test_it_sends_an_anonymous_visitor_to_sign_in(app, world, as_persona, visitor):
    client_upload(as_persona, small_pdf())
    response = visitor.get(f"/{ONE}/documents/{only_document_id(app, world)}/download")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_does_not_let_another_coach_upload_to_the_dossier(app, world, as_persona):
    bob = as_persona("bob", lang="en")
    response = upload(bob, f"/{ONE}/documents/client/{world.ids['carol']}/upload", small_pdf(), "x.pdf")
    assert response.status_code == 404
    assert stored(app, world) == []


def test_it_audits_uploads_downloads_and_deletes(app, world, as_persona):
    client_upload(as_persona, small_pdf())
    document_id = only_document_id(app, world)
    as_persona("alice", lang="en").get(f"/{ONE}/documents/{document_id}/download")
    as_persona("carol", lang="en").post(f"/{ONE}/documents/{document_id}/delete")
    with app.app_context(), use_practice(world.practices[ONE]):
        actions = [(e.action, e.object_id) for e in db.session.scalars(select(AuditEvent)) if e.object_type == "document"]
    assert actions == [("document.create", document_id), ("document.download", document_id), ("document.delete", document_id)]


def test_it_shows_a_hostile_file_name_inert_and_offers_a_safe_download_name(app, world, as_persona):
    client_upload(as_persona, b"plain text", XSS + '";.txt')
    document_id = only_document_id(app, world)
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    pages = [
        carol.get(f"/{ONE}/documents/mine"),
        carol.get(f"/{ONE}/documents/{document_id}/delete"),
        alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/documents"),
        alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/documents"),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        # Folders are cut off the name ("</script>" holds one), so what is left starts at "script>".
        assert "script&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    disposition = carol.get(f"/{ONE}/documents/{document_id}/download").headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "<" not in disposition and "/" not in disposition.split("filename=")[1]
