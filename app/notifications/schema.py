"""Practice migrations of the notifications package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0005_notifications(db: Database) -> None:
    run_script(
        db,
        """
        ALTER TABLE users ADD COLUMN email_notifications BOOLEAN NOT NULL DEFAULT 1;
        CREATE TABLE notifications (
            id INTEGER NOT NULL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind VARCHAR(40) NOT NULL,
            url VARCHAR(300) NOT NULL,
            actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            read_at VARCHAR(32)
        );
        CREATE INDEX ix_notifications_user_id ON notifications (user_id);
        """,
    )
