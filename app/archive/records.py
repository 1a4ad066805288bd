"""Which rows of a practice go into an archive, read from one consistent moment of the file."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.archive import scope
from app.archive.scope import AUDIT, CHILD, CLIENT, CONTENT, NEVER
from app.archive.values import is_file, to_json
from app.tenancy.context import current_practice
from app.tenancy.services import existing_file
from app.tenancy.sqlite import make_engine

# The fields people other than the subject of a client's archive carry: who they are, nothing more.
MINIMAL_PERSON = ("id", "role", "first_name", "last_name")
_CHUNK = 500


@contextmanager
def snapshot() -> Iterator[sa.Connection]:
    """A read transaction on the current practice's file that sees one moment and blocks no writer.

    Practice sessions begin IMMEDIATE (they take the write lock); an export reads for a while,
    so it reads through its own engine with a deferred BEGIN: in WAL mode that is a stable
    snapshot while others keep writing, and the export's progress can still be committed.
    """
    engine = make_engine(
        existing_file(current_practice().slug), current_app.config["SQLITE_BUSY_TIMEOUT_MS"], always_immediate=False
    )
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()


def tables_in(scope_name: str) -> list[sa.Table]:
    """The tables an archive of this scope holds, parents first."""
    wanted = []
    for table in scope.practice_tables():
        declared = scope.belongs(table.name)
        if declared.how == NEVER:
            continue
        if scope_name == "client" and declared.how not in (CLIENT, CHILD, CONTENT, AUDIT):
            continue
        wanted.append(table)
    return wanted


def client_conditions(client_id: int) -> dict[str, sa.ColumnElement[bool]]:
    """Per table, the rows that belong in client_id's archive; tables without any are left out."""
    tables = {t.name: t for t in scope.practice_tables()}
    found: dict[str, sa.ColumnElement[bool] | None] = {}

    def condition(name: str) -> sa.ColumnElement[bool] | None:
        if name in found:
            return found[name]
        found[name] = None  # a cycle in the declarations ends here rather than recursing forever
        declared, table = scope.belongs(name), tables[name]
        result: sa.ColumnElement[bool] | None = None
        if declared.how == CLIENT:
            result = table.c[declared.column] == client_id
        elif declared.how == AUDIT:
            result = sa.or_(table.c.subject_id == client_id, table.c.actor_id == client_id)
        elif declared.how == CHILD:
            parent_condition = condition(declared.parent)
            if parent_condition is not None:
                parent = tables[declared.parent]
                key = next(iter(c for c in parent.primary_key.columns))
                result = table.c[declared.column].in_(sa.select(key).where(parent_condition))
        elif declared.how == CONTENT:
            pulls = [
                sa.select(tables[ref].c[column]).where(ref_condition)
                for ref, column in declared.referenced_by
                if ref in tables and (ref_condition := condition(ref)) is not None
            ]
            if pulls:
                result = table.c[declared.key].in_(sa.union(*pulls))
        if result is not None and declared.only is not None:
            result = sa.and_(result, declared.only(table))
        found[name] = result
        return result

    conditions = {}
    for name in tables:
        result = condition(name)
        if result is not None:
            conditions[name] = result
    return conditions


def exported_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns that go into the JSON: not the secrets, not the file contents."""
    omit = set(scope.belongs(table.name).omit)
    return [c for c in table.columns if c.name not in omit and not is_file(c)]


def file_column(table: sa.Table) -> sa.Column[Any] | None:
    """The column whose bytes become a file in the archive (documents.content), if any."""
    return next((c for c in table.columns if is_file(c)), None)


def read_rows(
    conn: sa.Connection, table: sa.Table, condition: sa.ColumnElement[bool] | None, columns: list[str] | None = None
) -> list[dict[str, Any]]:
    """The rows of table (all of them when condition is None) as JSON-ready dicts, by primary key."""
    chosen = [c for c in exported_columns(table) if columns is None or c.name in columns]
    query = sa.select(*chosen).order_by(*table.primary_key.columns)
    if condition is not None:
        query = query.where(condition)
    rows = []
    for row in conn.execute(query).mappings():
        rows.append({column.name: to_json(column, row[column.name]) for column in chosen})
    return rows


def file_content(conn: sa.Connection, table: sa.Table, row: dict[str, Any]) -> bytes:
    """The decrypted bytes of one row's file column."""
    column = file_column(table)
    assert column is not None
    keys = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
    return bytes(conn.execute(sa.select(column).where(*keys)).scalar_one())


def people_referenced(records: dict[str, list[dict[str, Any]]], tables: list[sa.Table]) -> set[int]:
    """Ids of the people the records point at (authors, coaches, actors in the audit log)."""
    ids: set[int] = set()
    for table in tables:
        rows = records.get(scope.kind_of(table.name), [])
        columns = [
            c.name for c in table.columns
            if any(fk.column.table.name == "users" for fk in c.foreign_keys) and table.name != "users"
        ]
        if table.name == "audit_events":
            columns = ["actor_id", "subject_id"]
        for row in rows:
            ids.update(row[c] for c in columns if isinstance(row.get(c), int))
    return ids


def minimal_people(conn: sa.Connection, ids: set[int]) -> list[dict[str, Any]]:
    """Name and role of these people, nothing else."""
    users = next(t for t in scope.practice_tables() if t.name == "users")
    found = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found.extend(read_rows(conn, users, users.c.id.in_(chunk), list(MINIMAL_PERSON)))
    return found
