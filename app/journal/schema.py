"""Practice migrations of the journal package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0009_journal(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE journal_entries (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            entry_date DATE NOT NULL,
            text BLOB NOT NULL,
            mood BLOB,
            shared_at VARCHAR(32),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_journal_entries_client_id ON journal_entries (client_id);
        """,
    )
