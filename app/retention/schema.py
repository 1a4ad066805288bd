"""Migrations of the retention package (platform store)."""
from sqlite_utils import Database

from app.tenancy.migrations import platform_migrations, run_script


@platform_migrations()
def p0005_retention_jobs(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE job_runs (
            id INTEGER NOT NULL PRIMARY KEY,
            job_id VARCHAR(80) NOT NULL,
            started_at VARCHAR(32) NOT NULL,
            finished_at VARCHAR(32),
            outcome VARCHAR(10) NOT NULL,
            dry_run BOOLEAN NOT NULL,
            counts TEXT NOT NULL
        );
        CREATE INDEX ix_job_runs_job_id ON job_runs (job_id);
        CREATE TABLE job_leases (
            job_id VARCHAR(80) NOT NULL PRIMARY KEY,
            holder VARCHAR(200) NOT NULL,
            expires_at VARCHAR(32) NOT NULL
        );
        CREATE TABLE retention_reminders (
            id INTEGER NOT NULL PRIMARY KEY,
            practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
            kind VARCHAR(10) NOT NULL,
            erase_on VARCHAR(10) NOT NULL,
            sent_at VARCHAR(32) NOT NULL,
            UNIQUE (practice_id, kind, erase_on)
        );
        CREATE INDEX ix_retention_reminders_practice_id ON retention_reminders (practice_id);
        """,
    )


@platform_migrations()
def p0005b_practices_erased(db: Database) -> None:
    # A practice whose special data was erased keeps its row (status "erased"): invoices and
    # the run record still name it, and its slug is never handed to a new practice.
    run_script(db, "ALTER TABLE practices ADD COLUMN erased_at VARCHAR(32);")
