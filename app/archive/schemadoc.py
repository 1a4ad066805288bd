"""schema.json: the archive's documented schema, generated from the models so it never falls behind."""
from __future__ import annotations

import inspect
from typing import Any

import sqlalchemy as sa

from app.archive import scope
from app.archive.records import file_column
from app.archive.values import is_encrypted, is_file, type_name
from app.extensions import db

FORMAT = "koers-archive"
VERSION = 1

# What each "how" means, for the reader of schema.json.
HOW_TEXT = {
    scope.CLIENT: "belongs to the client named in the column 'belongs_to'",
    scope.CHILD: "belongs to the client of its parent record",
    scope.CONTENT: "practice content; in a client's archive only where the client's records refer to it",
    scope.AUDIT: "the audit log; a client's archive holds the events about the client or done by them",
    scope.PRACTICE: "practice-wide; only in a practice archive",
}


def _descriptions() -> dict[str, str]:
    """The docstring of each practice model, by table name."""
    found = {}
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if isinstance(table, sa.Table):
            found[table.name] = inspect.cleandoc(mapper.class_.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    return found


def _references(column: sa.Column[Any]) -> str | None:
    for fk in column.foreign_keys:
        target = fk.column
        return f"{scope.kind_of(target.table.name)}.{target.name}"
    return None


def kind_schema(table: sa.Table, description: str) -> dict[str, Any]:
    """The documented shape of one kind of record."""
    declared = scope.belongs(table.name)
    fields: dict[str, Any] = {}
    for column in table.columns:
        if column.name in declared.omit or is_file(column):
            continue
        field: dict[str, Any] = {"type": type_name(column), "nullable": bool(column.nullable)}
        if column.primary_key:
            field["primary_key"] = True
        if (reference := _references(column)) is not None:
            field["references"] = reference
        if is_encrypted(column):
            field["encrypted_at_rest"] = True
        fields[column.name] = field
    files = file_column(table)
    if files is not None:
        fields["file"] = {"type": "string", "nullable": False,
                          "description": f"path inside the archive of the original file ({files.name})"}
        fields["sha256"] = {"type": "string", "nullable": False, "description": "SHA-256 of the file, hex"}
    shape: dict[str, Any] = {
        "table": table.name,
        "description": description,
        "belongs": declared.how,
        "belongs_text": HOW_TEXT[declared.how],
        "fields": fields,
    }
    if declared.column and declared.how in (scope.CLIENT, scope.CHILD):
        shape["belongs_to"] = declared.column
    if declared.parent:
        shape["parent"] = scope.kind_of(declared.parent)
    if declared.omit:
        shape["omitted"] = {"fields": list(declared.omit), "why": "secrets (hashes) are never exported"}
    return shape


def archive_schema() -> dict[str, Any]:
    """The whole schema: every kind a practice archive can hold, and what is never exported."""
    descriptions = _descriptions()
    kinds = {}
    never = {}
    for table in scope.practice_tables():
        declared = scope.belongs(table.name)
        if declared.how == scope.NEVER:
            never[table.name] = declared.why
            continue
        kinds[declared.kind] = kind_schema(table, descriptions.get(table.name, ""))
    return {
        "format": FORMAT,
        "version": VERSION,
        "description": (
            "A Koers take-away archive. koers-archive.json holds the records per kind, in the order "
            "they can be imported (parents first); values are decrypted; times are ISO 8601 in UTC, "
            "dates ISO 8601. csv/<kind>.csv holds the same records, documents/ the original files."
        ),
        "kinds": kinds,
        "never_exported": never,
    }
