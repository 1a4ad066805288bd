"""Practice migrations of the assessments package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0013_assessments(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE practice_instruments (
            id INTEGER NOT NULL PRIMARY KEY,
            instrument_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            definition TEXT NOT NULL,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            UNIQUE (instrument_id, version)
        );
        CREATE TABLE assessment_assignments (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            instrument_id VARCHAR(64) NOT NULL,
            instrument_version INTEGER NOT NULL,
            source VARCHAR(10) NOT NULL,
            assigned_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            due_date DATE,
            status VARCHAR(10) NOT NULL,
            answers BLOB,
            submitted_at VARCHAR(32),
            scores BLOB,
            note BLOB,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_assessment_assignments_client_id ON assessment_assignments (client_id);
        """,
    )


@practice_migrations()
def t0014_assessment_raters(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE assessment_raters (
            id INTEGER NOT NULL PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES assessment_assignments (id) ON DELETE CASCADE,
            relation VARCHAR(12) NOT NULL,
            name BLOB,
            email BLOB,
            token_hash VARCHAR(64) NOT NULL UNIQUE,
            invited_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            expires_at VARCHAR(32) NOT NULL,
            used_at VARCHAR(32),
            answers BLOB,
            submitted_at VARCHAR(32),
            closed_at VARCHAR(32)
        );
        CREATE INDEX ix_assessment_raters_assignment_id ON assessment_raters (assignment_id);
        """,
    )
