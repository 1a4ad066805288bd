"""Practice migrations of the goals package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0011_goals(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE goals (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            programme_id INTEGER,
            title BLOB NOT NULL,
            description BLOB,
            status VARCHAR(20) NOT NULL,
            target_date DATE,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_goals_client_id ON goals (client_id);
        CREATE TABLE goal_exercises (
            goal_id INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
            exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
            PRIMARY KEY (goal_id, exercise_id)
        );
        CREATE INDEX ix_goal_exercises_exercise_id ON goal_exercises (exercise_id);
        """,
    )
