"""Versioned schema migrations for the platform store and for every practice file.

Each migration is a numbered function holding literal SQL, so an old migration never
changes when a model does; tests/test_schema.py proves that applying them all yields
exactly the schema the models declare.
"""
from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

platform_migrations = Migrations("koers-platform")
practice_migrations = Migrations("koers-practice")


@platform_migrations()
def p0001_practices(db: Database) -> None:
    run_script(db,
        """
        CREATE TABLE practices (
            id INTEGER NOT NULL PRIMARY KEY,
            slug VARCHAR(40) NOT NULL UNIQUE,
            name VARCHAR(200) NOT NULL,
            status VARCHAR(20) NOT NULL,
            is_demo BOOLEAN NOT NULL,
            created_at VARCHAR(32) NOT NULL
        );
        """
    )


@platform_migrations()
def p0002_audit_anchors(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE audit_anchors (
            id INTEGER NOT NULL PRIMARY KEY,
            practice_slug VARCHAR(40) NOT NULL UNIQUE,
            event_id INTEGER NOT NULL,
            event_hash VARCHAR(64) NOT NULL,
            anchored_at VARCHAR(32) NOT NULL
        );
        """,
    )


@practice_migrations()
def t0001_accounts_and_audit(db: Database) -> None:
    run_script(db,
        """
        CREATE TABLE users (
            id INTEGER NOT NULL PRIMARY KEY,
            role VARCHAR(20) NOT NULL,
            email VARCHAR(254) NOT NULL UNIQUE,
            first_name VARCHAR(100) NOT NULL,
            last_name VARCHAR(100) NOT NULL,
            phone BLOB,
            address BLOB,
            password_hash VARCHAR(200),
            locale VARCHAR(5),
            active BOOLEAN NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            password_changed_at VARCHAR(32)
        );
        CREATE TABLE coach_assignments (
            id INTEGER NOT NULL PRIMARY KEY,
            coach_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at VARCHAR(32) NOT NULL,
            UNIQUE (coach_id, client_id)
        );
        CREATE INDEX ix_coach_assignments_coach_id ON coach_assignments (coach_id);
        CREATE INDEX ix_coach_assignments_client_id ON coach_assignments (client_id);
        CREATE TABLE account_tokens (
            id INTEGER NOT NULL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            purpose VARCHAR(20) NOT NULL,
            token_hash VARCHAR(64) NOT NULL UNIQUE,
            created_at VARCHAR(32) NOT NULL,
            expires_at VARCHAR(32) NOT NULL,
            used_at VARCHAR(32),
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_account_tokens_user_id ON account_tokens (user_id);
        CREATE TABLE user_sessions (
            id INTEGER NOT NULL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            token_hash VARCHAR(64) NOT NULL UNIQUE,
            created_at VARCHAR(32) NOT NULL,
            last_seen_at VARCHAR(32) NOT NULL,
            ended_at VARCHAR(32),
            end_reason VARCHAR(30),
            user_agent VARCHAR(200)
        );
        CREATE INDEX ix_user_sessions_user_id ON user_sessions (user_id);
        CREATE TABLE audit_events (
            id INTEGER NOT NULL PRIMARY KEY,
            at VARCHAR(32) NOT NULL,
            actor_id INTEGER,
            actor_role VARCHAR(20) NOT NULL,
            action VARCHAR(60) NOT NULL,
            object_type VARCHAR(40) NOT NULL,
            object_id INTEGER,
            origin VARCHAR(20) NOT NULL,
            detail TEXT,
            prev_hash VARCHAR(64) NOT NULL,
            hash VARCHAR(64) NOT NULL
        );
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        """
    )


def run_script(db: Database, script: str) -> None:
    """Run each statement of script inside the current transaction."""
    # sqlite3's executescript() commits first, which would break the all-or-nothing apply.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError("incomplete SQL statement in migration")


def schema_version() -> str:
    """The name of the newest practice migration this code knows."""
    return practice_migrations._migrations[-1].name


def pending(conn: sqlite3.Connection, migrations: Migrations) -> list[str]:
    """Names of the migrations not yet applied to the database behind conn (read-only)."""
    return [m.name for m in migrations.pending(Database(conn))]


def apply(conn: sqlite3.Connection, migrations: Migrations) -> list[str]:
    """Apply every pending migration in one IMMEDIATE transaction; return their names."""
    db = Database(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        names = [m.name for m in migrations.pending(db)]
        # Inside our transaction sqlite-utils runs each migration in a savepoint.
        migrations.apply(db)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return names


# Feature packages register their practice migrations in their own schema module; the
# imports below fix the order in which they are applied. Append new ones at the end.
from app.settings import schema as _settings_schema  # noqa: E402,F401,I001
from app.clients import schema as _clients_schema  # noqa: E402,F401
from app.audit import schema as _audit_schema  # noqa: E402,F401
from app.notifications import schema as _notifications_schema  # noqa: E402,F401
from app.exercises import schema as _exercises_schema  # noqa: E402,F401
from app.reports import schema as _reports_schema  # noqa: E402,F401
from app.documents import schema as _documents_schema  # noqa: E402,F401
from app.journal import schema as _journal_schema  # noqa: E402,F401
from app.messages import schema as _messages_schema  # noqa: E402,F401
from app.goals import schema as _goals_schema  # noqa: E402,F401
from app.programmes import schema as _programmes_schema  # noqa: E402,F401
from app.assessments import schema as _assessments_schema  # noqa: E402,F401
from app.privacy import schema as _privacy_schema  # noqa: E402,F401
from app.consent import schema as _consent_schema  # noqa: E402,F401
from app.restrictions import schema as _restrictions_schema  # noqa: E402,F401
from app.rights import schema as _rights_schema  # noqa: E402,F401
from app.archive import schema as _archive_schema  # noqa: E402,F401
from app.console import schema as _console_schema  # noqa: E402,F401
from app.billing import schema as _billing_schema  # noqa: E402,F401
from app.retention import schema as _retention_schema  # noqa: E402,F401
from app.dossiers import schema as _dossiers_schema  # noqa: E402,F401
from app.accounts import schema as _accounts_schema  # noqa: E402,F401
from app.backup import schema as _backup_schema  # noqa: E402,F401
