"""Platform migrations of the billing package."""
from sqlite_utils import Database

from app.tenancy.migrations import platform_migrations, run_script


@platform_migrations()
def p0004_billing(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE billing_details (
            id INTEGER NOT NULL PRIMARY KEY,
            practice_id INTEGER UNIQUE REFERENCES practices (id) ON DELETE SET NULL,
            practice_slug VARCHAR(40) NOT NULL,
            name VARCHAR(200) NOT NULL,
            address VARCHAR(300) NOT NULL,
            postcode VARCHAR(20) NOT NULL,
            city VARCHAR(100) NOT NULL,
            country VARCHAR(100) NOT NULL,
            vat_number VARCHAR(30),
            email VARCHAR(254) NOT NULL,
            updated_at VARCHAR(32) NOT NULL
        );
        CREATE TABLE invoices (
            id INTEGER NOT NULL PRIMARY KEY,
            number VARCHAR(20) NOT NULL UNIQUE,
            year INTEGER NOT NULL,
            sequence INTEGER NOT NULL,
            kind VARCHAR(20) NOT NULL,
            credits_invoice_id INTEGER UNIQUE REFERENCES invoices (id) ON DELETE SET NULL,
            credits_number VARCHAR(20),
            practice_id INTEGER REFERENCES practices (id) ON DELETE SET NULL,
            practice_slug VARCHAR(40) NOT NULL,
            practice_name VARCHAR(200) NOT NULL,
            billing_name VARCHAR(200) NOT NULL,
            billing_address VARCHAR(300) NOT NULL,
            billing_postcode VARCHAR(20) NOT NULL,
            billing_city VARCHAR(100) NOT NULL,
            billing_country VARCHAR(100) NOT NULL,
            billing_vat_number VARCHAR(30),
            billing_email VARCHAR(254) NOT NULL,
            invoice_date DATE NOT NULL,
            period_start DATE,
            period_end DATE,
            subtotal_cents INTEGER NOT NULL,
            vat_rate_percent INTEGER NOT NULL,
            vat_cents INTEGER NOT NULL,
            total_cents INTEGER NOT NULL,
            paid_on DATE,
            created_at VARCHAR(32) NOT NULL,
            UNIQUE (year, sequence)
        );
        CREATE INDEX ix_invoices_practice_id ON invoices (practice_id);
        CREATE INDEX ix_invoices_invoice_date ON invoices (invoice_date);
        CREATE TABLE invoice_lines (
            id INTEGER NOT NULL PRIMARY KEY,
            invoice_id INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            description VARCHAR(200) NOT NULL,
            quantity INTEGER NOT NULL,
            unit_price_cents INTEGER NOT NULL,
            amount_cents INTEGER NOT NULL
        );
        CREATE INDEX ix_invoice_lines_invoice_id ON invoice_lines (invoice_id);
        """,
    )
