"""Migrations of the console package (platform store)."""
from sqlite_utils import Database

from app.tenancy.migrations import platform_migrations, run_script


@platform_migrations()
def p0003_console(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE operators (
            id INTEGER NOT NULL PRIMARY KEY,
            email VARCHAR(254) NOT NULL UNIQUE,
            name VARCHAR(200) NOT NULL,
            password_hash VARCHAR(200) NOT NULL,
            active BOOLEAN NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            last_sign_in_at VARCHAR(32)
        );
        CREATE TABLE operator_sessions (
            id INTEGER NOT NULL PRIMARY KEY,
            operator_id INTEGER NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
            token_hash VARCHAR(64) NOT NULL UNIQUE,
            created_at VARCHAR(32) NOT NULL,
            last_seen_at VARCHAR(32) NOT NULL,
            ended_at VARCHAR(32),
            end_reason VARCHAR(30)
        );
        CREATE INDEX ix_operator_sessions_operator_id ON operator_sessions (operator_id);
        CREATE TABLE console_events (
            id INTEGER NOT NULL PRIMARY KEY,
            at VARCHAR(32) NOT NULL,
            operator_id INTEGER,
            action VARCHAR(60) NOT NULL,
            object_type VARCHAR(40) NOT NULL,
            object_id INTEGER,
            detail JSON
        );
        CREATE INDEX ix_console_events_operator_id ON console_events (operator_id);
        CREATE TRIGGER console_events_no_update BEFORE UPDATE ON console_events
        BEGIN SELECT RAISE(ABORT, 'console events are append-only'); END;
        CREATE TRIGGER console_events_no_delete BEFORE DELETE ON console_events
        BEGIN SELECT RAISE(ABORT, 'console events are append-only'); END;
        CREATE TABLE subscriptions (
            id INTEGER NOT NULL PRIMARY KEY,
            practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
            plan VARCHAR(100) NOT NULL,
            price_cents INTEGER NOT NULL,
            starts_on DATE NOT NULL,
            ends_on DATE,
            created_at VARCHAR(32) NOT NULL,
            created_by INTEGER REFERENCES operators (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_subscriptions_practice_id ON subscriptions (practice_id);
        """,
    )
