"""Practice migrations of the archive package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0021_archive(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE export_jobs (
            id INTEGER NOT NULL PRIMARY KEY,
            requested_by_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            scope VARCHAR(10) NOT NULL,
            client_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
            status VARCHAR(10) NOT NULL,
            progress INTEGER NOT NULL,
            file_name VARCHAR(80),
            locale VARCHAR(5),
            error VARCHAR(80),
            created_at VARCHAR(32) NOT NULL,
            finished_at VARCHAR(32),
            expires_at VARCHAR(32) NOT NULL,
            downloaded_at VARCHAR(32)
        );
        CREATE INDEX ix_export_jobs_requested_by_id ON export_jobs (requested_by_id);
        CREATE INDEX ix_export_jobs_client_id ON export_jobs (client_id);
        """,
    )
