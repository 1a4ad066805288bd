"""Backups that restore: online snapshots, one encrypted archive, verify, restore, the erasure register.

An archive is a gzip-compressed tar file holding `manifest.json`, `platform.sqlite` and `tenants/<slug>.sqlite`
for every practice, each a consistent snapshot taken with SQLite's online backup API while
the app keeps serving. The tar is encrypted with the backup key (instance/keys/_backup.key)
using AES-256-GCM in chunks of 1 MiB: the file starts with MAGIC and an 8-byte random nonce
prefix; every chunk is a 4-byte length and its ciphertext, its nonce the prefix plus the chunk
number, its associated data the header, the chunk number and a last-chunk flag, so chunks
cannot be reordered, dropped or cut off unnoticed. Practice data keys are never in an archive.

The erasure register (platform table `erasure_register`) records every client erasure and
every practice erasure (ids and dates only); a restore erases them again before the restored
instance exists under its name.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import struct
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from app.backup.models import ErasureKind
from app.tenancy.sqlite import checkpoint, open_connection
from app.timeutil import utcnow

log = logging.getLogger(__name__)

MAGIC = b"KOERSBK1"
_PREFIX_BYTES = 8
CHUNK = 1024 * 1024
FORMAT_VERSION = 1
BACKUP_KEY_NAME = "_backup.key"  # "_" is never in a practice slug, so it never clashes with a data key
_NAME_RE = re.compile(r"^koers-(backup|daily)-(\d{8}T\d{6}Z)-[0-9a-f]{8}\.kbk$")
_MEMBER_RE = re.compile(r"^(manifest\.json|platform\.sqlite|tenants/[a-z0-9-]{3,40}\.sqlite)$")


class BackupError(RuntimeError):
    """A backup could not be made, read, verified or restored; the message says why (no personal data)."""


# --- the erasure register -----------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _platform_file(instance: Path | None = None) -> Path:
    return (instance or Path(current_app.instance_path)) / "platform.sqlite"


def register_erasure(slug: str, kind: str, subject_id: int | None, at: datetime | None = None,
                     *, instance: Path | None = None) -> bool:
    """Record an erasure in the platform store once; True when a row was added.

    A plain connection of its own (not the session), so it can run right after a practice
    commit, also from a session's after-commit hook.
    """
    if kind not in ErasureKind.ALL:
        raise ValueError("unknown erasure kind")
    conn = open_connection(_platform_file(instance))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = conn.execute(
                "SELECT 1 FROM erasure_register WHERE practice_slug = ? AND kind = ? AND subject_id IS ?",
                (slug, kind, subject_id),
            ).fetchone()
            if found is None:
                conn.execute(
                    "INSERT INTO erasure_register (practice_slug, kind, subject_id, erased_at) VALUES (?, ?, ?, ?)",
                    (slug, kind, subject_id, _iso(at or utcnow())),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return found is None


def register_client_erasure(slug: str, client_id: int) -> bool:
    """Record that client client_id of practice slug was erased."""
    return register_erasure(slug, ErasureKind.CLIENT, client_id)


def register_practice_erasure(slug: str) -> bool:
    """Record that practice slug was erased (file and data key destroyed)."""
    return register_erasure(slug, ErasureKind.PRACTICE, None)


@dataclass(frozen=True)
class RegisterEntry:
    slug: str
    kind: str
    subject_id: int | None
    erased_at: datetime


def read_register(instance: Path | None = None) -> list[RegisterEntry]:
    """Every entry of the register, oldest first."""
    conn = open_connection(_platform_file(instance))
    try:
        rows = conn.execute(
            "SELECT practice_slug, kind, subject_id, erased_at FROM erasure_register ORDER BY erased_at, id"
        ).fetchall()
    finally:
        conn.close()
    return [RegisterEntry(r[0], r[1], r[2], datetime.fromisoformat(r[3]).astimezone(UTC)) for r in rows]


# --- the backup key and the chunked encryption --------------------------------------------


def backup_key_path(instance: Path | None = None) -> Path:
    return (instance or Path(current_app.instance_path)) / "keys" / BACKUP_KEY_NAME


def backup_key(instance: Path | None = None) -> bytes:
    """The instance's backup key, made (0600) on first use."""
    path = backup_key_path(instance)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != 32:
            raise BackupError(f"{path} does not hold a 256-bit key") from None
        return key
    key = AESGCM.generate_key(bit_length=256)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _aad(header: bytes, number: int, last: bool) -> bytes:
    return header + struct.pack(">IB", number, 1 if last else 0)


def encrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Encrypt source into a new file target (0600), chunk by chunk."""
    aes = AESGCM(key)
    prefix = secrets.token_bytes(_PREFIX_BYTES)
    header = MAGIC + prefix
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        out.write(header)
        number = 0
        chunk = src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            sealed = aes.encrypt(prefix + struct.pack(">I", number), chunk, _aad(header, number, last))
            out.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                break
            chunk, number = following, number + 1
        out.flush()
        os.fsync(out.fileno())


def decrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Decrypt an archive into target; BackupError when it is not intact or not ours."""
    aes = AESGCM(key)
    with open(source, "rb") as src, open(target, "wb") as out:
        header = src.read(len(MAGIC) + _PREFIX_BYTES)
        if len(header) != len(MAGIC) + _PREFIX_BYTES or not header.startswith(MAGIC):
            raise BackupError("this is not a Koers backup archive")
        prefix = header[len(MAGIC):]
        number = 0
        while True:
            size_bytes = src.read(4)
            if len(size_bytes) != 4:
                raise BackupError("the archive is cut off")
            (size,) = struct.unpack(">I", size_bytes)
            if size > CHUNK + 16:
                raise BackupError("the archive is damaged")
            sealed = src.read(size)
            if len(sealed) != size:
                raise BackupError("the archive is cut off")
            last = src.peek(1) == b""
            try:
                plain = aes.decrypt(prefix + struct.pack(">I", number), sealed, _aad(header, number, last))
            except InvalidTag:
                raise BackupError(
                    "the archive cannot be decrypted: it was changed or damaged, or made with another backup key"
                ) from None
            out.write(plain)
            if last:
                return
            number += 1


# --- snapshots ----------------------------------------------------------------------------


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file via the online backup API (never a file copy)."""
    src = open_connection(source, current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    try:
        dst = sqlite3.connect(str(target), isolation_level=None)
        try:
            src.backup(dst)  # one step: a read transaction on source; writers go on (WAL)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file in the archive
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` of a (closed) SQLite file: "ok" or SQLite's first complaint."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        return f"not a readable database ({type(error).__name__})"
    finally:
        conn.close()
    return "ok" if rows == [("ok",)] else str(rows[0][0])


def _schema_of(path: Path, migration_set: str) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid DESC LIMIT 1",
            (migration_set,),
        ).fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def backups_dir(instance: Path | None = None) -> Path:
    folder = (instance or Path(current_app.instance_path)) / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@contextmanager
def _workdir(parent: Path) -> Iterator[Path]:
    """A private temporary folder (0700) beside the archives, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=".work-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Created:
    path: Path
    manifest: dict
    missing: list[str] = field(default_factory=list)


def create_backup(kind: str = "backup", now: datetime | None = None) -> Created:
    """Snapshot the platform store and every practice file into one encrypted archive in instance/backups/."""
    from app import __version__
    from app.tenancy import migrations
    from app.tenancy.context import practice_engines
    from app.tenancy.services import list_practices, platform_path

    started = (now or utcnow()).astimezone(UTC)
    folder = backups_dir()
    key = backup_key()
    missing: list[str] = []
    with _workdir(folder) as work:
        (work / "tenants").mkdir()
        files: list[dict] = []
        snapshot(platform_path(), work / "platform.sqlite")
        files.append({"name": "platform.sqlite", "kind": "platform", "slug": None})
        for practice in list_practices():  # erased practices have no file and are left out
            source = practice_engines().path_for(practice.slug)
            if not source.exists():
                log.error("backup: the file of practice %s is missing; left out", practice.slug)
                missing.append(practice.slug)
                continue
            # Its own moment: a restore erases again what was erased in this file after it.
            at = _iso(utcnow())
            snapshot(source, work / "tenants" / f"{practice.slug}.sqlite")
            files.append({"name": f"tenants/{practice.slug}.sqlite", "kind": "practice", "slug": practice.slug,
                          "snapshot_at": at})
        for entry in files:
            path = work / entry["name"]
            entry["size"] = path.stat().st_size
            entry["sha256"] = _sha256(path)
            migration_set = migrations.platform_migrations.name if entry["kind"] == "platform" \
                else migrations.practice_migrations.name
            entry["schema_version"] = _schema_of(path, migration_set)
        manifest = {
            "format": FORMAT_VERSION,
            "koers_version": __version__,
            "created_at": _iso(started),
            "files": files,
            "missing": missing,
            "data_keys_included": False,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        tar_path = work / "archive.tar.gz"
        with tarfile.open(tar_path, "w:gz", compresslevel=6) as tar:
            for name in ["manifest.json", *(entry["name"] for entry in files)]:
                tar.add(work / name, arcname=name, recursive=False)
        stamp = started.strftime("%Y%m%dT%H%M%SZ")
        name = f"koers-{kind}-{stamp}-{secrets.token_hex(4)}.kbk"
        partial = folder / f".{name}.part"
        try:
            encrypt_file(tar_path, partial, key)
            os.replace(partial, folder / name)
        finally:
            partial.unlink(missing_ok=True)
    _fsync_dir(folder)
    return Created(folder / name, manifest, missing)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- verify -------------------------------------------------------------------------------


@dataclass
class Opened:
    folder: Path
    manifest: dict
    problems: list[str]


@contextmanager
def open_archive(archive: Path, key: bytes | None = None) -> Iterator[Opened]:
    """Decrypt and unpack archive into a private temporary folder and check it; yields what was found."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    with _workdir(backups_dir()) as work:
        tar_path = work / "archive.tar"
        decrypt_file(archive, tar_path, key or backup_key())
        unpacked = work / "files"
        unpacked.mkdir()
        (unpacked / "tenants").mkdir()
        try:
            with tarfile.open(tar_path, "r:*") as tar:  # gzip-compressed since format 1; plain tar read too
                for member in tar.getmembers():
                    if not member.isfile() or not _MEMBER_RE.match(member.name):
                        raise BackupError("the archive holds an unexpected entry")
                    source = tar.extractfile(member)
                    fd = os.open(unpacked / member.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        shutil.copyfileobj(source, out)  # type: ignore[misc]
        except (tarfile.TarError, FileExistsError):
            raise BackupError("the archive's contents are damaged") from None
        tar_path.unlink()
        try:
            manifest = json.loads((unpacked / "manifest.json").read_text())
        except (OSError, ValueError):
            raise BackupError("the archive has no readable manifest") from None
        yield Opened(unpacked, manifest, _check(unpacked, manifest))


def _check(folder: Path, manifest: dict) -> list[str]:
    problems = []
    listed = set()
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        listed.add(name)
        path = folder / name
        if not _MEMBER_RE.match(name) or not path.is_file():
            problems.append(f"{name}: missing from the archive")
            continue
        if path.stat().st_size != entry.get("size"):
            problems.append(f"{name}: size differs from the manifest")
        if _sha256(path) != entry.get("sha256"):
            problems.append(f"{name}: checksum differs from the manifest")
        result = integrity(path)
        if result != "ok":
            problems.append(f"{name}: integrity_check failed: {result}")
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    problems.extend(f"{name}: in the archive but not in the manifest" for name in sorted(present - listed))
    if "platform.sqlite" not in listed:
        problems.append("platform.sqlite: not in the manifest")
    return problems


def verify_backup(archive: Path) -> tuple[dict, list[str]]:
    """(manifest, problems) of archive; no problems means every checksum and integrity check passed."""
    with open_archive(archive) as opened:
        return opened.manifest, opened.problems


# --- restore ------------------------------------------------------------------------------


@dataclass
class Restored:
    folder: Path
    practices: list[str]
    clients_erased_again: int
    practices_removed: list[str]


def restore_backup(archive: Path, target: Path) -> Restored:
    """Restore archive into a new instance folder target, with the current key store and erasures re-applied.

    Everything happens in a folder beside target; only when the erasure register has been
    applied is it renamed to target, so no instance under that name ever holds erased data.
    """
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not empty; restore into a new, empty folder")
    current = Path(current_app.instance_path).resolve()
    if target == current:
        raise BackupError("restore into a new folder, not into the running instance")
    register = read_register(current)
    keys_dir = current / "keys"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
    try:
        with open_archive(archive) as opened:
            if opened.problems:
                raise BackupError("the archive did not verify: " + "; ".join(opened.problems))
            manifest = opened.manifest
            backup_time = datetime.fromisoformat(manifest["created_at"]).astimezone(UTC)
            (staging / "tenants").mkdir(mode=0o700)
            (staging / "keys").mkdir(mode=0o700)
            for entry in manifest["files"]:
                shutil.copyfile(opened.folder / entry["name"], staging / entry["name"])
                os.chmod(staging / entry["name"], 0o600)
        erased_practices = {e.slug for e in register if e.kind == ErasureKind.PRACTICE}
        slugs = [e["slug"] for e in manifest["files"] if e["kind"] == "practice"]
        removed, kept = [], []
        for slug in slugs:
            key_file = keys_dir / f"{slug}.key"
            if slug in erased_practices or not key_file.exists():
                # Erased since, or its key destroyed: its data is gone for good, here too.
                (staging / "tenants" / f"{slug}.sqlite").unlink()
                removed.append(slug)
                continue
            _copy_private(key_file, staging / "keys" / key_file.name)
            kept.append(slug)
        for name in ("master.key", BACKUP_KEY_NAME):
            if (keys_dir / name).exists():
                _copy_private(keys_dir / name, staging / "keys" / name)
        _mark_removed(staging, removed, register)
        _copy_register(staging, register)
        since = {e["slug"]: datetime.fromisoformat(e["snapshot_at"]).astimezone(UTC)
                 for e in manifest["files"] if e["kind"] == "practice" and e.get("snapshot_at")}
        again = _erase_clients_again(staging, register, backup_time, kept, since)
        os.chmod(staging, 0o700)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Restored(target, kept, again, removed)


def _copy_private(source: Path, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(source.read_bytes())
        out.flush()
        os.fsync(out.fileno())


def _mark_removed(staging: Path, removed: list[str], register: list[RegisterEntry]) -> None:
    """In the restored platform store, practices whose file is gone are marked erased."""
    if not removed:
        return
    when = {e.slug: e.erased_at for e in register if e.kind == ErasureKind.PRACTICE}
    conn = open_connection(staging / "platform.sqlite")
    try:
        conn.execute("BEGIN IMMEDIATE")
        for slug in removed:
            conn.execute(
                "UPDATE practices SET status = 'erased', erased_at = ? WHERE slug = ?",
                (_iso(when.get(slug, utcnow())), slug),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()
    checkpoint(staging / "platform.sqlite", empty=True)


def _copy_register(staging: Path, register: list[RegisterEntry]) -> None:
    """The restored platform store gets the whole current register (a later restore from it needs it too)."""
    from app.tenancy import migrations

    conn = open_connection(staging / "platform.sqlite")
    try:
        migrations.apply(conn, migrations.platform_migrations)  # an older backup may lack the register table
    finally:
        conn.close()
    for entry in register:
        register_erasure(entry.slug, entry.kind, entry.subject_id, entry.erased_at, instance=staging)


def _erase_clients_again(staging: Path, register: list[RegisterEntry], backup_time: datetime, slugs: list[str],
                         since: dict[str, datetime]) -> int:
    """Erase, in the restored practice files, every client erased at or after the moment that
    file's snapshot began (the backup's start for archives without it).

    Only later erasures: a user id of a client erased before the backup may belong to someone
    else in it. Done by the restored instance's own code, exactly as an erasure is done there
    (rows and cascades deleted, tombstone, WAL truncated).
    """
    todo = [e for e in register if e.kind == ErasureKind.CLIENT and e.slug in slugs
            and e.erased_at >= since.get(e.slug, backup_time)]
    if not todo:
        return 0
    from app import create_app
    from app.accounts.models import Role, User
    from app.extensions import db
    from app.rights import erasure
    from app.tenancy.context import practice_engines, use_practice
    from app.tenancy.services import find_practice

    config = {k: current_app.config[k] for k in ("TESTING",) if k in current_app.config}
    config.update(INSTANCE_PATH=str(staging), SECRET_KEY=secrets.token_hex(16))
    restored = create_app(config)
    done = 0
    try:
        with restored.app_context():
            for entry in todo:
                practice = find_practice(entry.slug)
                if practice is None:
                    continue
                with use_practice(practice):
                    client = db.session.get(User, entry.subject_id)
                    if client is None or client.role != Role.CLIENT:
                        db.session.rollback()
                        continue
                    erased = erasure.erase_records(client, None, by="restore")
                    db.session.commit()
                    erasure.finish_erasure(erased)
                    done += 1
    finally:
        with restored.app_context():
            db.session.remove()
            practice_engines().dispose_all()
            db.engine.dispose()
    for leftover in staging.glob("secret_key"):
        leftover.unlink()  # made by the app above; the restored instance makes its own
    # Mail the erasures above may have queued (a request closed, say) was only written to the
    # folder's outbox; it is not sent from a restore, and it may name the erased client.
    shutil.rmtree(staging / "mail", ignore_errors=True)
    (staging / "mail").mkdir()
    return done


# --- the daily job and keeping ------------------------------------------------------------


def archive_time(path: Path) -> datetime | None:
    """When an archive was made, read from its name; None for a file that is not an archive."""
    match = _NAME_RE.match(path.name)
    if not match:
        return None
    return datetime.strptime(match.group(2), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def prune_daily(keep_daily: int, keep_weekly: int, folder: Path | None = None) -> tuple[int, int]:
    """Keep the newest daily archive of each of the last keep_daily days, and of each of the
    last keep_weekly weeks; remove the other scheduled archives. Archives made by hand are kept.
    Returns (kept, removed)."""
    folder = folder or backups_dir()
    dated = sorted(
        ((t, p) for p in folder.glob("koers-daily-*.kbk") if (t := archive_time(p)) is not None),
        reverse=True,
    )
    keep: set[Path] = set()
    days: list[object] = []
    weeks: list[object] = []
    for moment, path in dated:
        day = moment.date()
        if day not in days:
            days.append(day)
            if len(days) <= keep_daily:
                keep.add(path)
        week = moment.isocalendar()[:2]
        if week not in weeks:
            weeks.append(week)
            if len(weeks) <= keep_weekly:
                keep.add(path)
    removed = 0
    for _moment, path in dated:
        if path not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return len(keep), removed


def daily_backup() -> dict[str, int]:
    """The scheduled job: a new archive, then the old scheduled ones pruned (counts only)."""
    created = create_backup(kind="daily")
    kept, removed = prune_daily(
        int(current_app.config["BACKUP_KEEP_DAILY"]), int(current_app.config["BACKUP_KEEP_WEEKLY"])
    )
    return {
        "practices": sum(1 for f in created.manifest["files"] if f["kind"] == "practice"),
        "practices_missing": len(created.missing),
        "archives_kept": kept,
        "archives_removed": removed,
    }


def describe(manifest: dict) -> str:
    """One line about an archive's contents (slugs, counts, time; never data)."""
    practices = [f["slug"] for f in manifest.get("files", []) if f.get("kind") == "practice"]
    return f"made {manifest.get('created_at')}, Koers {manifest.get('koers_version')}, " \
           f"{len(practices)} practice(s): {', '.join(practices) or '-'}"


__all__ = [
    "BackupError",
    "create_backup",
    "daily_backup",
    "prune_daily",
    "read_register",
    "register_client_erasure",
    "register_practice_erasure",
    "restore_backup",
    "verify_backup",
]
