"""Practice migrations of the consent package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0018_consent(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE consent_versions (
            id INTEGER NOT NULL PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE,
            body_nl TEXT NOT NULL,
            body_en TEXT NOT NULL,
            published_at VARCHAR(32) NOT NULL,
            published_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE TABLE consents (
            id INTEGER NOT NULL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            version_id INTEGER NOT NULL REFERENCES consent_versions (id),
            given_at VARCHAR(32) NOT NULL,
            given_how VARCHAR(20) NOT NULL,
            recorded_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            withdrawn_at VARCHAR(32),
            withdrawn_how VARCHAR(20),
            withdrawn_recorded_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_consents_user_id ON consents (user_id);
        CREATE INDEX ix_consents_version_id ON consents (version_id);
        CREATE TABLE marketing_opt_ins (
            id INTEGER NOT NULL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            opted_in_at VARCHAR(32) NOT NULL,
            opted_out_at VARCHAR(32)
        );
        CREATE INDEX ix_marketing_opt_ins_user_id ON marketing_opt_ins (user_id);
        """,
    )
