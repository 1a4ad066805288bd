"""Practice migrations of the audit package (after the first one in tenancy.migrations)."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0004_audit_changes(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE audit_changes (
            id INTEGER NOT NULL PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES audit_events (id),
            field VARCHAR(60) NOT NULL,
            before BLOB,
            after BLOB
        );
        CREATE INDEX ix_audit_changes_event_id ON audit_changes (event_id);
        """,
    )


@practice_migrations()
def t0016_audit_subjects(db: Database) -> None:
    run_script(
        db,
        """
        ALTER TABLE audit_events ADD COLUMN subject_id INTEGER;
        CREATE INDEX ix_audit_events_subject_id ON audit_events (subject_id);
        """,
    )


@practice_migrations()
def t0016b_audit_actor_index(db: Database) -> None:
    # Finding a person's own actions (audit search, new people's ids) without reading the whole log.
    run_script(db, "CREATE INDEX ix_audit_events_actor_id ON audit_events (actor_id);")
