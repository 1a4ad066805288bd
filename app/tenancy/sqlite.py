"""The one place where SQLite connections are opened and configured."""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

DEFAULT_BUSY_TIMEOUT_MS = 10_000
# After the log starts over, a longer -wal file is cut back to this size.
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
_writing: ContextVar[bool] = ContextVar("koers_writing", default=False)


def open_connection(path: Path | str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open a SQLite file with the PRAGMAs every Koers connection runs with."""
    # isolation_level=None: we issue BEGIN ourselves, so writes can start as BEGIN IMMEDIATE.
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit is on disk before it is acknowledged, also in WAL mode.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten, so erased personal data does not linger in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    # No commit ever checkpoints (SQLite 3.7.0-3.51.2 can corrupt a file when a checkpoint
    # races a commit that restarts the log, the "WAL-reset bug"): checkpoints are taken only
    # by checkpoint() below, while it holds the file's write lock.
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    return conn


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (its -wal and -shm follow)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_engine(
    path: Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, always_immediate: bool = True
) -> Engine:
    """An engine whose connections come from open_connection()."""
    engine = create_engine(
        "sqlite://",
        creator=lambda: open_connection(path, busy_timeout_ms),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=16,
        # Errors and logs must not echo the values of a statement: they are personal data.
        hide_parameters=True,
    )
    install_begin(engine, always_immediate)
    return engine


def install_begin(engine: Engine, always_immediate: bool) -> None:
    """Begin transactions on engine ourselves: IMMEDIATE when writing, else deferred."""

    # A deferred transaction that reads first and writes later can fail with
    # SQLITE_BUSY without waiting for the lock; taking the write lock up front
    # makes writers queue behind busy_timeout instead.
    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        immediate = always_immediate or _writing.get()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take the write lock at once."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint did: frames in the log, frames copied into the file, and whether the
    log was emptied. busy: the write lock was not free in time, or a reader kept older frames."""

    busy: bool
    log_frames: int
    checkpointed: int
    emptied: bool = False


def checkpoint(path: Path | str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, *, empty: bool = False) -> Checkpoint:
    """Copy the write-ahead log of the file at path into the file, while no commit can happen.

    The only place Koers checkpoints. One connection takes the file's write lock (BEGIN
    IMMEDIATE: SQLite's own lock, held across processes and honoured by every writer), and
    while it holds it a second connection runs a PASSIVE checkpoint, which needs no write
    lock. So no commit, and no restart of the log, can run at the same time as a checkpoint
    (the WAL-reset bug). A FULL/RESTART/TRUNCATE checkpoint is not used: when it cannot get
    the write lock in time, SQLite silently runs it as PASSIVE next to the writer.

    The next write after a complete checkpoint starts the log over. empty=True does that at
    once with a write that changes nothing, with the log's size limit at zero, so no page of
    deleted data stays in the -wal file (used after erasures). Never raises for a busy file:
    busy=True then, and a later checkpoint does the work.
    """
    with closing(open_connection(path, busy_timeout_ms)) as holder, closing(open_connection(path, busy_timeout_ms)) as worker:
        try:
            holder.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return Checkpoint(busy=True, log_frames=-1, checkpointed=-1)
        try:
            _busy, log_frames, done = worker.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            holder.execute("ROLLBACK")
        complete = log_frames == done
        emptied = False
        if empty and complete and log_frames > 0:
            emptied = _restart_log(holder)
        return Checkpoint(busy=not complete, log_frames=int(log_frames), checkpointed=int(done), emptied=emptied)


def _restart_log(conn: sqlite3.Connection) -> bool:
    """Write nothing new under the write lock, so the log starts over and is cut to one page."""
    conn.execute("PRAGMA journal_size_limit = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise
    return True
