"""Practice migrations of the clients package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0003_client_profiles(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE client_profiles (
            user_id INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
            date_of_birth BLOB,
            referral_notes BLOB,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL
        );
        """,
    )
