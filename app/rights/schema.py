"""Practice migrations of the rights package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0020_data_requests(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE data_requests (
            id INTEGER NOT NULL PRIMARY KEY,
            person_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            kind VARCHAR(20) NOT NULL,
            channel VARCHAR(10) NOT NULL,
            status VARCHAR(20) NOT NULL,
            received_at VARCHAR(32) NOT NULL,
            due_on DATE NOT NULL,
            identity_method BLOB,
            identity_checked_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            identity_checked_at VARCHAR(32),
            note BLOB,
            refusal_reason BLOB,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            closed_at VARCHAR(32)
        );
        CREATE INDEX ix_data_requests_person_id ON data_requests (person_id);
        CREATE INDEX ix_data_requests_status ON data_requests (status);
        """,
    )
