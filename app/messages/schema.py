"""Practice migrations of the messages package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0010_messages(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE messages (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            body BLOB NOT NULL,
            created_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_messages_client_id ON messages (client_id);
        CREATE TABLE message_thread_reads (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            last_read_message_id INTEGER NOT NULL,
            read_at VARCHAR(32) NOT NULL,
            UNIQUE (client_id, user_id)
        );
        CREATE INDEX ix_message_thread_reads_user_id ON message_thread_reads (user_id);
        """,
    )
