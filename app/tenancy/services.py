"""Practices: creating, finding, migrating and removing their files."""
from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.mail.addresses import InvalidAddress, normalise_address
from app.tenancy import migrations
from app.tenancy.context import PracticeRef, practice_engines, use_practice
from app.tenancy.models import Practice, PracticeStatus
from app.tenancy.slugs import RESERVED_SLUGS, is_valid_slug
from app.tenancy.sqlite import create_private_file, open_connection, writing

log = logging.getLogger(__name__)


class PracticeError(ValueError):
    """A practice cannot be created or changed as asked; the message says why."""


def instance_dir() -> Path:
    """The instance folder of the running app."""
    return Path(current_app.instance_path)


def platform_path() -> Path:
    """The operator's store: practices and, later, subscriptions and invoices."""
    return instance_dir() / "platform.sqlite"


def to_ref(practice: Practice) -> PracticeRef:
    """The detached facts of a practice row."""
    return PracticeRef(
        slug=practice.slug, name=practice.name, status=practice.status, is_demo=practice.is_demo
    )


def migrate_platform() -> list[str]:
    """Bring the platform store up to date; returns the migrations applied."""
    create_private_file(platform_path())
    conn = open_connection(platform_path(), current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    try:
        return migrations.apply(conn, migrations.platform_migrations)
    finally:
        conn.close()


def find_practice(slug: str) -> PracticeRef | None:
    """The practice with this slug, or None; invalid slugs are None without a query."""
    if not is_valid_slug(slug):
        return None
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    return to_ref(practice) if practice else None


def list_practices(include_erased: bool = False) -> list[PracticeRef]:
    """Every practice, by slug; erased ones (file and key destroyed) only when asked for."""
    query = select(Practice).order_by(Practice.slug)
    if not include_erased:
        query = query.where(Practice.status != PracticeStatus.ERASED)
    return [to_ref(p) for p in db.session.scalars(query)]


def count_practices() -> int:
    """How many practices this installation hosts."""
    return db.session.scalar(select(func.count()).select_from(Practice)) or 0


class PracticeFileMissing(PracticeError):
    """A listed practice has no file: restore it from a backup."""


def existing_file(slug: str) -> Path:
    """The practice's file; raises PracticeFileMissing rather than creating an empty one."""
    path = practice_engines().path_for(slug)
    if not path.exists():
        raise PracticeFileMissing(f"the file of practice '{slug}' is missing: {path}")
    return path


@contextmanager
def _practice_connection(slug: str) -> Iterator[sqlite3.Connection]:
    """A plain connection to an existing practice file, closed afterwards."""
    conn = open_connection(existing_file(slug), current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    try:
        yield conn
    finally:
        conn.close()


def pending_migrations(slug: str) -> list[str]:
    """Migrations the practice's file still lacks (read-only)."""
    with _practice_connection(slug) as conn:
        return migrations.pending(conn, migrations.practice_migrations)


def is_current(slug: str) -> bool:
    """True when the practice file has every migration; remembered once true."""
    checked: set[str] = current_app.extensions.setdefault("koers_current_schemas", set())
    if slug in checked:
        return True
    try:
        if pending_migrations(slug):
            return False
    except PracticeFileMissing:
        log.error("practice %s is listed but its file is missing", slug)
        return False
    checked.add(slug)
    return True


def migrate_practice(slug: str) -> list[str]:
    """Apply pending migrations to one practice file; returns their names."""
    with _practice_connection(slug) as conn:
        return migrations.apply(conn, migrations.practice_migrations)


def check_new_practice(slug: str, name: str, admin_email: str | None) -> str:
    """Validate the input for a new practice; returns the normalised e-mail address ("" when there is none)."""
    if not is_valid_slug(slug):
        if slug in RESERVED_SLUGS:
            raise PracticeError(f"'{slug}' is reserved; choose another slug")
        raise PracticeError(
            "the slug must be 3 to 40 lowercase letters, digits or hyphens, "
            "starting and ending with a letter or digit"
        )
    if not name.strip() or len(name) > 200:
        raise PracticeError("the practice name must be 1 to 200 characters")
    email = ""
    if admin_email is not None:  # None: an archive import brings its own people
        try:
            email = normalise_address(admin_email)
        except InvalidAddress as error:
            raise PracticeError(f"the admin e-mail address is not valid: {error}") from None
    if find_practice(slug) is not None:
        raise PracticeError(f"a practice with slug '{slug}' already exists")
    return email


def create_practice(
    slug: str, name: str, admin_email: str | None, *, is_demo: bool = False,
    fill: Callable[[], str] | None = None,
) -> tuple[PracticeRef, str]:
    """Create a practice with its own key and file and a first admin; returns it and the admin's invitation link.

    All or nothing: if any step fails, the file and key made here are removed
    and the platform store does not list the practice. `fill`, when given, runs in the
    new practice instead of inviting a first admin (an archive import brings its own
    people); what it returns is returned as the link.
    """
    # Imported here: accounts depends on tenancy, not the other way round at import time.
    from app.accounts import services as accounts

    email = check_new_practice(slug, name, admin_email)
    keystore = current_app.extensions["koers_keystore"]
    path = practice_engines().path_for(slug)
    if path.exists():
        raise PracticeError(f"a file for '{slug}' already exists at {path}; move it away first")
    try:
        keystore.create(slug)  # O_EXCL: also stops two creations of the same slug at once
    except FileExistsError:
        raise PracticeError(f"a data key for '{slug}' already exists; is it being created?") from None
    ref = PracticeRef(slug=slug, name=name.strip(), status=PracticeStatus.ACTIVE, is_demo=is_demo)
    try:
        create_private_file(path)
        migrate_practice(slug)
        with use_practice(ref):
            link = accounts.invite_first_admin(email) if fill is None else fill()
        with writing():
            db.session.add(Practice(slug=slug, name=ref.name, status=ref.status, is_demo=is_demo))
            db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_practice_files(slug)
        raise
    return ref, link


def remove_practice_files(slug: str) -> None:
    """Close the practice's engine, delete its file and destroy its data key."""
    practice_engines().discard(slug)
    current_app.extensions.setdefault("koers_current_schemas", set()).discard(slug)
    path = practice_engines().path_for(slug)
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass
    current_app.extensions["koers_keystore"].destroy(slug)


def delete_practice(slug: str) -> None:
    """Remove a practice entirely: its platform row, its file and its key."""
    with writing():
        practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
        if practice is not None:
            db.session.delete(practice)
        db.session.commit()
    remove_practice_files(slug)
