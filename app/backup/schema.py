"""Migrations of the backup package (platform store)."""
from sqlite_utils import Database

from app.tenancy.migrations import platform_migrations, run_script


@platform_migrations()
def p0006_erasure_register(db: Database) -> None:
    # Ids and dates only: a restore of an older backup erases these clients and practices again.
    run_script(
        db,
        """
        CREATE TABLE erasure_register (
            id INTEGER NOT NULL PRIMARY KEY,
            practice_slug VARCHAR(40) NOT NULL,
            kind VARCHAR(10) NOT NULL,
            subject_id INTEGER,
            erased_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_erasure_register_practice_slug ON erasure_register (practice_slug);
        """,
    )
