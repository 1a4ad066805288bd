"""The migrations build exactly the schema the models declare, for practice files and the platform store."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import services as tenancy
from app.tenancy.sqlite import make_engine, open_connection

# sqlite-utils keeps its record of applied migrations here; the models know nothing of it.
BOOKKEEPING = {"_sqlite_migrations"}


def describe(path: Path) -> dict[str, Any]:
    """Everything about a file's schema that the models decide, as comparable plain data."""
    engine = make_engine(path)
    try:
        inspector = sa.inspect(engine)
        tables = sorted(set(inspector.get_table_names()) - BOOKKEEPING)
        schema: dict[str, Any] = {}
        for table in tables:
            schema[table] = {
                "columns": {
                    column["name"]: (str(column["type"]), column["nullable"])
                    for column in inspector.get_columns(table)
                },
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                    for index in inspector.get_indexes(table)
                ),
                "checks": sorted(" ".join(c["sqltext"].split()) for c in inspector.get_check_constraints(table)),
            }
        with engine.connect() as conn:
            for table in tables:
                schema[table]["unique"] = unique_constraints(conn, table)
                schema[table]["foreign_keys"] = foreign_keys(conn, table)
            schema["triggers"] = sorted(
                (name, table, " ".join(sql.split()))
                for name, table, sql in conn.exec_driver_sql(
                    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
                )
            )
        return schema
    finally:
        engine.dispose()


# SQLAlchemy's inspector reads UNIQUE and ON DELETE only from table-level clauses, and the
# migrations write them inline on the column: SQLite's own PRAGMAs see both the same way.


def unique_constraints(conn: sa.Connection, table: str) -> list[tuple[str, ...]]:
    """The columns of each UNIQUE constraint (not of CREATE UNIQUE INDEX), as SQLite enforces them."""
    found = []
    for index in conn.exec_driver_sql(f"PRAGMA index_list('{table}')").mappings():
        if index["origin"] == "u":
            columns = conn.exec_driver_sql(f"PRAGMA index_info('{index['name']}')").mappings()
            found.append(tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"])))
    return sorted(found)


def foreign_keys(conn: sa.Connection, table: str) -> list[tuple[Any, ...]]:
    """Each foreign key: its columns, the table and columns it refers to, ON DELETE and ON UPDATE."""
    keys: dict[int, list[Any]] = {}
    for row in conn.exec_driver_sql(f"PRAGMA foreign_key_list('{table}')").mappings():
        key = keys.setdefault(row["id"], [[], row["table"], [], row["on_delete"], row["on_update"]])
        key[0].append(row["from"])
        key[2].append(row["to"])
    return sorted((tuple(k[0]), k[1], tuple(k[2]), k[3], k[4]) for k in keys.values())


def from_models(path: Path, bind_key: str | None) -> dict[str, Any]:
    """The schema SQLAlchemy builds from the models of bind_key."""
    engine = make_engine(path)
    try:
        db.metadatas[bind_key].create_all(engine)
    finally:
        engine.dispose()
    return describe(path)


def assert_same_schema(migrated: dict[str, Any], declared: dict[str, Any]) -> None:
    """Equal, with a message that names the table that differs."""
    assert sorted(migrated) == sorted(declared), "the migrations and the models have different tables"
    for table in declared:
        assert migrated[table] == declared[table], f"{table}: migrated schema differs from the models"


def test_it_migrates_a_new_practice_file_to_exactly_the_models_schema(bare_app, instance, tmp_path):
    with bare_app.app_context():
        tenancy.create_practice("nieuwe-praktijk", "Nieuwe Praktijk", "baas@nieuw.test")

    migrated = describe(instance / "tenants" / "nieuwe-praktijk.sqlite")
    declared = from_models(tmp_path / "models.sqlite", "tenant")

    assert "users" in declared and "audit_events" in declared
    assert {name for name, _table, _sql in declared["triggers"]} == {"audit_events_no_update", "audit_events_no_delete"}
    assert_same_schema(migrated, declared)


def test_it_migrates_the_platform_store_to_exactly_the_models_schema(bare_app, instance, tmp_path):
    migrated = describe(instance / "platform.sqlite")
    declared = from_models(tmp_path / "models.sqlite", None)

    assert "practices" in declared
    assert_same_schema(migrated, declared)


def test_it_keeps_practice_tables_out_of_the_platform_store_and_back(bare_app):
    practice_tables = set(db.metadatas["tenant"].tables)
    platform_tables = set(db.metadatas[None].tables)

    assert practice_tables and platform_tables
    assert not practice_tables & platform_tables


@pytest.mark.parametrize("bind_key", ["tenant", None])
def test_it_builds_the_same_schema_from_the_models_twice(bare_app, tmp_path, bind_key):
    # A sanity check of the comparison itself: nothing in it depends on the file or the moment.
    assert from_models(tmp_path / "a.sqlite", bind_key) == from_models(tmp_path / "b.sqlite", bind_key)


def test_it_notices_a_schema_that_differs_from_the_models(bare_app, instance, tmp_path):
    with bare_app.app_context():
        tenancy.create_practice("nieuwe-praktijk", "Nieuwe Praktijk", "baas@nieuw.test")
    path = instance / "tenants" / "nieuwe-praktijk.sqlite"
    bare_app.extensions["koers_practice_engines"].discard("nieuwe-praktijk")
    with closing(open_connection(path)) as conn:
        conn.execute("DROP INDEX ix_account_tokens_user_id")

    with pytest.raises(AssertionError, match="account_tokens"):
        assert_same_schema(describe(path), from_models(tmp_path / "models.sqlite", "tenant"))
