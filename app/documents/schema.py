"""Practice migrations of the documents package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0008_documents(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE documents (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            uploaded_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            filename BLOB NOT NULL,
            content_type VARCHAR(100) NOT NULL,
            size INTEGER NOT NULL,
            content BLOB NOT NULL,
            created_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_documents_client_id ON documents (client_id);
        """,
    )
