"""Writing an archive: one ZIP with the records as JSON and CSV, the schema, the files and an offline page."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.archive import records as rows_of
from app.archive import scope
from app.archive.schemadoc import FORMAT, VERSION, archive_schema
from app.archive.values import csv_cell
from app.tenancy.context import current_practice
from app.timeutil import utcnow

ARCHIVE_JSON = "koers-archive.json"
SCHEMA_JSON = "schema.json"
INDEX_HTML = "index.html"
SUBJECT_FIELDS = ("id", "first_name", "last_name", "email")

Progress = Callable[[int], None]


def _quiet(_percent: int) -> None:
    """No one is watching the progress."""


def safe_name(name: str | None) -> str:
    """A file name that is the same on every system: ASCII letters, digits, '.', '-' and '_'."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip(".-")
    return cleaned[:80] or "file"


def csv_text(fields: list[str], records: list[dict[str, Any]]) -> str:
    """The records as CSV with a header row (UTF-8, as the ZIP stores it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for record in records:
        writer.writerow([csv_cell(record.get(field)) for field in fields])
    return out.getvalue()


def _fields(table: Any) -> list[str]:
    names = [c.name for c in rows_of.exported_columns(table)]
    if rows_of.file_column(table) is not None:
        names += ["file", "sha256"]
    return names


def write_archive(dest: Path, *, client_id: int | None = None, locale: str = "nl",
                  progress: Progress = _quiet) -> dict[str, int]:
    """Write the current practice's archive (or one client's) to dest; returns the number of records per kind.

    The ZIP is written beside dest (owner-only) and moved into place when complete, so
    dest is either a whole archive or absent.
    """
    scope_name = "client" if client_id is not None else "practice"
    temporary = dest.with_name(f".{dest.name}.part")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            document, tables = _collect(archive, scope_name, client_id, progress)
            archive.writestr(ARCHIVE_JSON, json.dumps(document, ensure_ascii=False, indent=1))
            archive.writestr(SCHEMA_JSON, json.dumps(archive_schema(), ensure_ascii=False, indent=1))
            for table in tables:
                kind = scope.kind_of(table.name)
                archive.writestr(f"csv/{kind}.csv", csv_text(_fields(table), document["records"][kind]))
            progress(95)
            from app.archive.view import render_index

            archive.writestr(INDEX_HTML, render_index(document, locale))
        os.replace(temporary, dest)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    progress(100)
    return {kind: len(items) for kind, items in document["records"].items()}


def _collect(archive: zipfile.ZipFile, scope_name: str, client_id: int | None,
             progress: Progress) -> tuple[dict[str, Any], list[Any]]:
    """Read every record of the scope from one snapshot; files go into the ZIP as they are read."""
    practice = current_practice()
    records: dict[str, list[dict[str, Any]]] = {}
    with rows_of.snapshot() as conn:
        tables = rows_of.tables_in(scope_name)
        conditions: dict[str, Any] = {}
        if client_id is not None:
            conditions = rows_of.client_conditions(client_id)
            tables = [t for t in tables if t.name in conditions]
        for number, table in enumerate(tables, start=1):
            kind = scope.kind_of(table.name)
            found = rows_of.read_rows(conn, table, conditions.get(table.name))
            if rows_of.file_column(table) is not None:
                for record in found:
                    content = rows_of.file_content(conn, table, record)
                    record["file"] = f"{kind}/{record['id']}-{safe_name(record.get('filename'))}"
                    record["sha256"] = hashlib.sha256(content).hexdigest()
                    archive.writestr(record["file"], content)
            records[kind] = found
            progress(5 + 85 * number // max(len(tables), 1))
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": utcnow().isoformat(timespec="seconds"),
            "scope": scope_name,
            "practice": {"slug": practice.slug, "name": practice.name},
        }
        if client_id is not None:
            people = records.get("people", [])
            if len(people) != 1:
                raise LookupError("the client of this export does not exist")
            document["subject"] = {field: people[0].get(field) for field in SUBJECT_FIELDS}
            others = rows_of.people_referenced(records, tables) - {client_id}
            records["people"] = people + rows_of.minimal_people(conn, others)
    document["records"] = records
    return document, tables
