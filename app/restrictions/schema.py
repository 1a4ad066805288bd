"""Practice migrations of the restrictions package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0019_restrictions(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE restrictions (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            reason VARCHAR(30) NOT NULL,
            started_at VARCHAR(32) NOT NULL,
            started_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            lifted_at VARCHAR(32),
            lifted_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            lift_note BLOB
        );
        CREATE INDEX ix_restrictions_client_id ON restrictions (client_id);
        """,
    )
