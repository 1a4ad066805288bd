"""Opening an archive someone hands in: a ZIP we made, whole, of a version we read, or a clear refusal."""
from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext

from app.archive.exporter import ARCHIVE_JSON
from app.archive.schemadoc import FORMAT, VERSION
from app.web.i18n import mark

DEFAULT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


class ArchiveError(ValueError):
    """An archive that cannot be imported; nothing of it was imported.

    str(error) is the English message (for commands and logs); translated() gives it in the
    language of the request or of force_locale().
    """

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)

    def translated(self) -> str:
        return gettext(self.message, **self.params)


class Archive:
    """An opened archive whose koers-archive.json has been read and checked."""

    def __init__(self, package: zipfile.ZipFile, document: dict[str, Any]) -> None:
        self.package = package
        self.document = document
        self.names = set(package.namelist())

    @property
    def scope(self) -> str:
        return self.document["scope"]

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        return self.document["records"]

    def file_bytes(self, kind: str, record: dict[str, Any]) -> bytes:
        """The file a record points at, checked against its SHA-256."""
        name = record.get("file")
        if not isinstance(name, str) or name not in self.names:
            raise ArchiveError(
                mark("The archive is incomplete: the file of record %(id)s of '%(kind)s' is missing."),
                id=record.get("id"), kind=kind,
            )
        try:
            content = self.package.read(name)
        except _READ_ERRORS:
            raise ArchiveError(mark("The archive is damaged: %(name)s cannot be read."), name=name) from None
        if hashlib.sha256(content).hexdigest() != record.get("sha256"):
            raise ArchiveError(
                mark("The file %(name)s does not match its checksum: the archive is damaged or was changed."), name=name
            )
        return content


def _max_unpacked() -> int:
    return int(current_app.config.get("ARCHIVE_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES))


@contextmanager
def open_archive(source: Path | IO[bytes]) -> Iterator[Archive]:
    """Open and check an archive; ArchiveError says what is wrong with it."""
    try:
        package = zipfile.ZipFile(source)
    except _READ_ERRORS:
        raise ArchiveError(
            mark("This file is not a Koers archive: it is not a ZIP file, or it is incomplete.")
        ) from None
    try:
        if ARCHIVE_JSON not in package.namelist():
            raise ArchiveError(mark("This ZIP file is not a Koers archive: it has no koers-archive.json."))
        if sum(info.file_size for info in package.infolist()) > _max_unpacked():
            raise ArchiveError(mark("This archive unpacks to more than this installation accepts."))
        try:
            raw = package.read(ARCHIVE_JSON)
        except _READ_ERRORS:
            raise ArchiveError(mark("The archive is damaged: %(name)s cannot be read."), name=ARCHIVE_JSON) from None
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise ArchiveError(mark("koers-archive.json is not valid JSON (%(error)s)."), error=str(error)) from None
        check_document(document)
        yield Archive(package, document)
    finally:
        package.close()


def check_document(document: Any) -> None:
    """The outline of koers-archive.json: format, version, scope, practice and records."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError(mark("This file is not a Koers archive (its format is not '%(format)s')."), format=FORMAT)
    if document.get("version") != VERSION:
        raise ArchiveError(
            mark("This archive has format version %(found)s; this installation reads version %(version)s."),
            found=str(document.get("version")), version=VERSION,
        )
    if document.get("scope") not in ("practice", "client"):
        raise ArchiveError(mark("The archive does not say whether it holds a practice or a client."))
    practice = document.get("practice")
    if not isinstance(practice, dict) or not isinstance(practice.get("name"), str):
        raise ArchiveError(mark("The archive does not name its practice."))
    records = document.get("records")
    if not isinstance(records, dict) or not all(
        isinstance(rows, list) and all(isinstance(row, dict) for row in rows) for rows in records.values()
    ):
        raise ArchiveError(mark("The records in the archive are not lists of records per kind."))
    if document["scope"] == "client":
        subject = document.get("subject")
        if not isinstance(subject, dict) or not isinstance(subject.get("id"), int):
            raise ArchiveError(mark("The archive does not say which client it belongs to."))
