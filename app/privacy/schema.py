"""Practice migrations of the privacy package."""
from sqlite_utils import Database

from app.tenancy.migrations import practice_migrations, run_script


@practice_migrations()
def t0017_privacy(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE privacy_settings (
            id INTEGER NOT NULL PRIMARY KEY,
            legal_name VARCHAR(200) NOT NULL,
            address VARCHAR(500) NOT NULL,
            coc_number VARCHAR(20),
            contact_email VARCHAR(254) NOT NULL,
            officer_name VARCHAR(200) NOT NULL,
            officer_email VARCHAR(254) NOT NULL,
            officer_phone VARCHAR(40),
            dossier_retention_months INTEGER NOT NULL,
            updated_at VARCHAR(32)
        );
        INSERT INTO privacy_settings (id, legal_name, address, contact_email, officer_name, officer_email,
                                      dossier_retention_months)
        VALUES (1, '', '', '', '', '', 24);
        CREATE TABLE processors (
            id INTEGER NOT NULL PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            purpose VARCHAR(500) NOT NULL,
            location VARCHAR(200),
            agreement_date DATE,
            note VARCHAR(1000),
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        """,
    )
