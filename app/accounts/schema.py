"""Practice migrations of the accounts package added after the base schema."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0023_sign_in_attempts(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE sign_in_attempts (
            id INTEGER NOT NULL PRIMARY KEY,
            kind VARCHAR(20) NOT NULL,
            account_key VARCHAR(64),
            client_key VARCHAR(64) NOT NULL,
            at VARCHAR(32) NOT NULL,
            success BOOLEAN NOT NULL
        );
        CREATE INDEX ix_sign_in_attempts_account_key ON sign_in_attempts (account_key);
        CREATE INDEX ix_sign_in_attempts_client_key ON sign_in_attempts (client_key);
        CREATE INDEX ix_sign_in_attempts_at ON sign_in_attempts (at);
        """,
    )


@practice_migrations()
def t0023b_session_details(db: Database) -> None:
    run_script(
        db,
        """
        ALTER TABLE user_sessions ADD COLUMN address VARCHAR(45);
        ALTER TABLE user_sessions ADD COLUMN password_verified_at VARCHAR(32);
        """,
    )
