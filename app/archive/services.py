"""The take-away archive: exporting a client or the whole practice, and importing archives.

The routes, the background jobs and the `flask practices export/import` commands all come
through here. Reading, writing and importing live in exporter.py, reader.py and importer.py.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app

from app.accounts.models import Role, User
from app.archive.exporter import write_archive
from app.archive.importer import import_client_archive, import_practice_archive
from app.archive.reader import ArchiveError
from app.audit.services import audit

__all__ = [
    "ArchiveError",
    "export_client",
    "export_practice",
    "import_client_archive",
    "import_practice_archive",
]


def _locale(locale: str | None) -> str:
    return locale or current_app.config["DEFAULT_LOCALE"]


def export_client(client: User, dest: Path, *, actor: User | None = None, locale: str | None = None,
                  progress: Callable[[int], None] | None = None) -> Path:
    """Write client's archive to dest and audit it (commit after); returns dest."""
    if client.role != Role.CLIENT:
        raise ValueError("only a client's data is exported on its own")
    counts = write_archive(dest, client_id=client.id, locale=_locale(locale), **({"progress": progress} if progress else {}))
    audit("archive.exported", "client", client.id, actor=actor,
          detail={"scope": "client", "records": sum(counts.values())})
    return dest


def export_practice(dest: Path, *, actor: User | None = None, locale: str | None = None,
                    progress: Callable[[int], None] | None = None) -> Path:
    """Write the current practice's whole archive to dest and audit it (commit after); returns dest."""
    counts = write_archive(dest, locale=_locale(locale), **({"progress": progress} if progress else {}))
    audit("archive.exported", "practice", None, actor=actor,
          detail={"scope": "practice", "records": sum(counts.values())})
    return dest
