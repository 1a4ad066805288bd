"""Practice migrations of the programmes package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0012_programmes(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE programme_templates (
            id INTEGER NOT NULL PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            description TEXT NOT NULL,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE TABLE programme_template_steps (
            id INTEGER NOT NULL PRIMARY KEY,
            template_id INTEGER NOT NULL REFERENCES programme_templates (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            title VARCHAR(200) NOT NULL,
            body TEXT NOT NULL,
            exercise_id INTEGER REFERENCES exercises (id) ON DELETE CASCADE,
            unlock VARCHAR(20) NOT NULL,
            offset_days INTEGER
        );
        CREATE INDEX ix_programme_template_steps_template_id ON programme_template_steps (template_id);
        CREATE TABLE programmes (
            id INTEGER NOT NULL PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            template_id INTEGER REFERENCES programme_templates (id) ON DELETE SET NULL,
            title BLOB NOT NULL,
            notes BLOB,
            status VARCHAR(20) NOT NULL,
            starts_on DATE NOT NULL,
            planned_end_on DATE,
            ended_on DATE,
            created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_programmes_client_id ON programmes (client_id);
        CREATE TABLE programme_steps (
            id INTEGER NOT NULL PRIMARY KEY,
            programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            title BLOB,
            body BLOB,
            exercise_id INTEGER REFERENCES exercises (id) ON DELETE SET NULL,
            assignment_id INTEGER REFERENCES exercise_assignments (id) ON DELETE SET NULL,
            unlock VARCHAR(20) NOT NULL,
            unlock_on DATE,
            read_at VARCHAR(32),
            created_at VARCHAR(32) NOT NULL
        );
        CREATE INDEX ix_programme_steps_programme_id ON programme_steps (programme_id);
        """,
    )


@practice_migrations()
def t0015_programme_assessment_steps(db: Database) -> None:
    run_script(
        db,
        """
        ALTER TABLE programme_template_steps ADD COLUMN instrument_id VARCHAR(80);
        ALTER TABLE programme_steps ADD COLUMN instrument_id VARCHAR(80);
        ALTER TABLE programme_steps ADD COLUMN assessment_assignment_id INTEGER
            REFERENCES assessment_assignments (id) ON DELETE SET NULL;
        """,
    )
