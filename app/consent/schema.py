"""Practice migrations of the consent package."""
from sqlite_utils import Database  # noqa: F401

from app.tenancy.migrations import practice_migrations, run_script  # noqa: F401
