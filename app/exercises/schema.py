"""Practice migrations of the exercises package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0006_exercises(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE exercises (
            id INTEGER NOT NULL PRIMARY KEY,
            title VARCHAR(200) NOT NULL,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL,
            archived_at VARCHAR(32)
        );
        CREATE TABLE exercise_versions (
            id INTEGER NOT NULL PRIMARY KEY,
            exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            title VARCHAR(200) NOT NULL,
            instructions TEXT NOT NULL,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            UNIQUE (exercise_id, number)
        );
        CREATE INDEX ix_exercise_versions_exercise_id ON exercise_versions (exercise_id);
        CREATE TABLE exercise_questions (
            id INTEGER NOT NULL PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES exercise_versions (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            prompt TEXT NOT NULL,
            config JSON NOT NULL
        );
        CREATE INDEX ix_exercise_questions_version_id ON exercise_questions (version_id);
        CREATE TABLE exercise_assignments (
            id INTEGER NOT NULL PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES exercise_versions (id) ON DELETE CASCADE,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            assigned_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            due_date DATE,
            status VARCHAR(20) NOT NULL,
            created_at VARCHAR(32) NOT NULL,
            submitted_at VARCHAR(32),
            reviewed_at VARCHAR(32),
            reviewed_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            overall_feedback BLOB
        );
        CREATE INDEX ix_exercise_assignments_version_id ON exercise_assignments (version_id);
        CREATE INDEX ix_exercise_assignments_client_id ON exercise_assignments (client_id);
        CREATE TABLE exercise_answers (
            id INTEGER NOT NULL PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES exercise_assignments (id) ON DELETE CASCADE,
            question_id INTEGER NOT NULL REFERENCES exercise_questions (id) ON DELETE CASCADE,
            value BLOB,
            revision INTEGER NOT NULL,
            updated_at VARCHAR(32) NOT NULL,
            feedback BLOB,
            feedback_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            feedback_at VARCHAR(32),
            UNIQUE (assignment_id, question_id)
        );
        CREATE INDEX ix_exercise_answers_assignment_id ON exercise_answers (assignment_id);
        CREATE INDEX ix_exercise_answers_question_id ON exercise_answers (question_id);
        """,
    )
