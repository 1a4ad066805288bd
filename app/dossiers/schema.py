"""Practice migrations of the dossiers package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0022_dossiers(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE dossier_policy (
            id INTEGER NOT NULL PRIMARY KEY,
            retention_cap_months INTEGER NOT NULL,
            on_expiry VARCHAR(20) NOT NULL,
            updated_at VARCHAR(32)
        );
        INSERT INTO dossier_policy (id, retention_cap_months, on_expiry) VALUES (1, 120, 'erase');
        CREATE TABLE dossier_extensions (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
            extended_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            reason BLOB NOT NULL,
            months INTEGER NOT NULL,
            created_at VARCHAR(32) NOT NULL
        );
        """,
    )
