"""Practice migrations of the reports package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0007_session_reports(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE session_reports (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            session_date DATE NOT NULL,
            duration_minutes INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            visibility VARCHAR(10) NOT NULL,
            text BLOB NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_session_reports_client_id ON session_reports (client_id);
        CREATE TABLE report_versions (
            id INTEGER NOT NULL PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES session_reports (id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            session_date DATE NOT NULL,
            duration_minutes INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            visibility VARCHAR(10) NOT NULL,
            text BLOB NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            UNIQUE (report_id, number)
        );
        CREATE INDEX ix_report_versions_report_id ON report_versions (report_id);
        """,
    )
