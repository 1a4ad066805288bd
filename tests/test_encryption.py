"""Encryption at rest: what the practice file holds, where the keys are, and crypto-shredding."""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.extensions import db
from app.tenancy.context import use_practice
from app.tenancy.sqlite import make_engine, open_connection
from app.vault.keystore import DataKeyUnavailable
from tests.conftest import ONE, TWO


def marker() -> str:
    """A string that cannot turn up in a file by chance."""
    return f"marker-{secrets.token_hex(24)}"


def practice_file(instance: Path, slug: str) -> Path:
    return instance / "tenants" / f"{slug}.sqlite"


def raw_column(path: Path, column: str, user_id: int) -> bytes:
    """The bytes SQLite holds for a user's column, as anyone with the file would read them."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT {column} FROM users WHERE id = ?", (user_id,)).fetchone()[0]


def write_raw_column(path: Path, column: str, user_id: int, value: bytes) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))


def checkpoint(path: Path) -> None:
    """Move everything from the WAL into the main file and empty the WAL."""
    with closing(open_connection(path)) as conn:
        busy, _log, _moved = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0


def set_user_fields(app, world, persona: str, **values: str) -> None:
    """Change a persona's fields through the model, as the app does, and commit."""
    with app.app_context(), use_practice(world.practice_of(persona)):
        user = db.session.get(User, world.ids[persona])
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def read_user_field(app, world, persona: str, name: str) -> str | None:
    with app.app_context(), use_practice(world.practice_of(persona)):
        return getattr(db.session.get(User, world.ids[persona]), name)


def test_it_keeps_encrypted_fields_out_of_the_file_and_its_wal(app, world, instance):
    path = practice_file(instance, ONE)
    wal = Path(f"{path}-wal")
    phone, address, first_name = marker(), marker(), marker()

    set_user_fields(app, world, "carol", phone=phone, address=address, first_name=first_name)

    # Before any checkpoint the new row versions live in the WAL.
    stored_phone = raw_column(path, "phone", world.ids["carol"])
    wal_bytes = wal.read_bytes()
    assert stored_phone in wal_bytes  # the write is there, encrypted
    assert first_name.encode() in wal_bytes  # a plain column shows the scan would find it
    for secret in (phone, address):
        assert secret.encode() not in wal_bytes
        assert secret.encode() not in path.read_bytes()

    checkpoint(path)

    assert wal.stat().st_size == 0
    main_bytes = path.read_bytes()
    assert stored_phone in main_bytes
    assert first_name.encode() in main_bytes
    for secret in (phone, address):
        assert secret.encode() not in main_bytes
    assert read_user_field(app, world, "carol", "phone") == phone
    assert read_user_field(app, world, "carol", "address") == address


def test_it_stores_a_fresh_ciphertext_for_every_write_of_the_same_value(app, world, instance):
    secret = marker()
    set_user_fields(app, world, "carol", phone=secret)
    set_user_fields(app, world, "dave", phone=secret)

    path = practice_file(instance, ONE)
    assert raw_column(path, "phone", world.ids["carol"]) != raw_column(path, "phone", world.ids["dave"])


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_it_keeps_keys_and_practice_files_readable_by_their_owner_only(app, instance):
    keys = instance / "keys"

    assert _mode(keys) == 0o700
    assert _mode(keys / "master.key") == 0o600
    for slug in (ONE, TWO):
        assert _mode(keys / f"{slug}.key") == 0o600
        assert _mode(practice_file(instance, slug)) == 0o600
        wal = Path(f"{practice_file(instance, slug)}-wal")
        assert wal.exists() and _mode(wal) == 0o600  # SQLite gives the WAL the file's own mode
    assert _mode(instance / "secret_key") == 0o600


def test_it_keeps_the_data_key_outside_the_practice_file(app, instance):
    with app.app_context():
        data_key = current_app.extensions["koers_keystore"].data_key(ONE)

    assert data_key not in practice_file(instance, ONE).read_bytes()
    assert data_key not in (instance / "keys" / f"{ONE}.key").read_bytes()  # stored wrapped only


def test_it_makes_every_copy_unreadable_once_the_practice_key_is_destroyed(app, world, instance, tmp_path):
    path = practice_file(instance, ONE)
    secret = marker()
    set_user_fields(app, world, "carol", address=secret)
    checkpoint(path)
    backup = tmp_path / "backup.sqlite"
    shutil.copyfile(path, backup)
    backup_engine = make_engine(backup)
    practice = world.practice_of("carol")
    query = select(User.address).where(User.id == world.ids["carol"])

    try:
        with app.app_context(), use_practice(practice):
            with Session(backup_engine) as copy:
                assert copy.scalar(query) == secret  # the backup is good while the key exists

            current_app.extensions["koers_keystore"].destroy(ONE)

            with pytest.raises(DataKeyUnavailable):
                db.session.scalar(query)
            db.session.rollback()
            with Session(backup_engine) as copy, pytest.raises(DataKeyUnavailable):
                copy.scalar(query)
    finally:
        backup_engine.dispose()

    assert not (instance / "keys" / f"{ONE}.key").exists()
    # The other practice keeps its own key and data.
    set_user_fields(app, world, "eve", address=secret)
    assert read_user_field(app, world, "eve", "address") == secret


def test_it_refuses_a_ciphertext_moved_to_another_column(app, world, instance):
    path = practice_file(instance, ONE)
    set_user_fields(app, world, "carol", phone=marker())

    write_raw_column(path, "address", world.ids["carol"], raw_column(path, "phone", world.ids["carol"]))

    with pytest.raises(DataKeyUnavailable):
        read_user_field(app, world, "carol", "address")


def test_it_refuses_a_ciphertext_moved_to_another_practice(app, world, instance):
    set_user_fields(app, world, "alice", phone=marker())
    stolen = raw_column(practice_file(instance, ONE), "phone", world.ids["alice"])

    # Eve has the same user id in practice two that Alice has in practice one.
    assert world.ids["eve"] == world.ids["alice"]
    write_raw_column(practice_file(instance, TWO), "phone", world.ids["eve"], stolen)

    with pytest.raises(DataKeyUnavailable):
        read_user_field(app, world, "eve", "phone")


def test_it_refuses_a_ciphertext_that_was_tampered_with(app, world, instance):
    path = practice_file(instance, ONE)
    set_user_fields(app, world, "carol", phone=marker())
    blob = bytearray(raw_column(path, "phone", world.ids["carol"]))
    blob[-1] ^= 0x01

    write_raw_column(path, "phone", world.ids["carol"], bytes(blob))

    with pytest.raises(DataKeyUnavailable):
        read_user_field(app, world, "carol", "phone")
