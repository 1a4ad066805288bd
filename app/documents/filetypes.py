"""Recognising an uploaded file's type from its content, never from its name."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TXT = "text/plain"

# The extensions a file of each type may keep when it is downloaded (the first is added otherwise).
EXTENSIONS = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    DOCX: (".docx",),
    ODT: (".odt",),
    TXT: (".txt",),
}

# What the file picker offers (a convenience only: the content decides).
ACCEPT = ",".join([*(e for exts in EXTENSIONS.values() for e in exts), *EXTENSIONS])

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Reading more of an entry than this from a zip is never needed to recognise it (and a zip bomb
# would not get further).
_ZIP_ENTRY_LIMIT = 256 * 1024


def detect(data: bytes) -> str | None:
    """The content type of data when it is one of the accepted kinds, else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TXT
    return None


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        with archive.open(name) as entry:
            return entry.read(_ZIP_ENTRY_LIMIT)
    except KeyError:
        return None


def _zip_type(data: bytes) -> str | None:
    """DOCX or ODT, recognised by the entries their formats require."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            mimetype = _read_entry(archive, "mimetype")
            if mimetype is not None and mimetype.strip() == ODT.encode():
                return ODT
            types = _read_entry(archive, "[Content_Types].xml")
            if types is not None and _DOCX_MAIN in types:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        return None
    return None


def clean_filename(name: str | None) -> str:
    """The name as the person called the file, without folders or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip().strip(".")[:200]


def download_name(name: str, content_type: str) -> str:
    """A safe file name to offer for download, with an extension that matches the content."""
    base = re.sub(r'["<>:/\\|?*;]', "_", clean_filename(name)) or "document"
    allowed = EXTENSIONS.get(content_type, ())
    if allowed and not base.lower().endswith(allowed):
        base = f"{base}{allowed[0]}"
    return base
