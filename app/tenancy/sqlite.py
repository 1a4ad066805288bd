"""The one place where SQLite connections are opened and configured."""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

DEFAULT_BUSY_TIMEOUT_MS = 10_000
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
