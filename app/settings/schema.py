"""Practice migrations of the settings package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0002_practice_settings(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE practice_settings (
            id INTEGER NOT NULL PRIMARY KEY,
            shared_caseloads BOOLEAN NOT NULL
        );
        INSERT INTO practice_settings (id, shared_caseloads) VALUES (1, 0);
        """,
    )
