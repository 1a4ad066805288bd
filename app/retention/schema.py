"""Migrations of the retention package."""
from sqlite_utils import Database  # noqa: F401

from app.tenancy.migrations import platform_migrations, practice_migrations, run_script  # noqa: F401
