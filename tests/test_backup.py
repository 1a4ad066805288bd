"""Backups that restore: encrypted online snapshots, verify, restore, and erasures surviving a restore."""
from __future__ import annotations

import os
import sqlite3
import tarfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import User
from app.backup import services as backup
from app.backup.models import ErasureKind, ErasureRecord
from app.extensions import db
from app.journal import services as journal
from app.journal.models import JournalEntry
from app.retention.models import JobRun, RunOutcome
from app.retention.special_data import _erase
from app.rights import erasure
from app.scheduler.jobs import run_job
from app.scheduler.runner import JOBS
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from app.tenancy.models import Practice, PracticeStatus
from tests.conftest import ONE, TWO, Visitor, close_app

MARK_FIRST = "Zwxqmarkfirst"
MARK_LAST = "Zwxqmarklast"
MARK_JOURNAL = "zwxq-journal-marker-words"


def make_backup(app) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def add_marked_client(app, world) -> int:
    """A client of alice's with marker strings in the name and in a journal entry."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        client = accounts.create_user("client", "marked@een.test", MARK_FIRST, MARK_LAST, password=None)
        accounts.assign_coach(accounts.user_by_id(world.ids["alice"]), client)
        db.session.flush()
        journal.create_entry(client, {"entry_date": date.today(), "mood": 3, "text": MARK_JOURNAL})
        db.session.commit()
        return client.id


def erase(app, world, client_id: int) -> None:
    with app.test_request_context(), use_practice(world.practices[ONE]):
        client = accounts.user_by_id(client_id)
        admin = accounts.user_by_id(world.ids["admin"])
        erasure.erase_client(client, admin, client.full_name)


def restore(app, archive: Path, target: Path):
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive), "--to", str(target)])
    assert result.exit_code == 0, result.output
    return result


def file_bytes(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-journal"):
        if Path(f"{path}{suffix}").exists():
            data += Path(f"{path}{suffix}").read_bytes()
    return data


@pytest.fixture
def restored_app(tmp_path):
    apps = []

    def make(folder: Path):
        restored = create_app({"INSTANCE_PATH": str(folder), "TESTING": True, "ARGON2_TIME_COST": 1,
                               "ARGON2_MEMORY_COST_KIB": 8, "ARGON2_PARALLELISM": 1})
        apps.append(restored)
        return restored

    yield make
    for restored in apps:
        close_app(restored)


# --- the erasure register -----------------------------------------------------------------


def test_it_records_a_client_erasure_in_the_register_once_with_ids_only(app, world):
    erase(app, world, world.ids["carol"])
    with app.app_context():
        rows = db.session.scalars(select(ErasureRecord)).all()
        assert [(r.practice_slug, r.kind, r.subject_id) for r in rows] == [(ONE, ErasureKind.CLIENT, world.ids["carol"])]
        assert rows[0].erased_at <= datetime.now(UTC)
        # Finishing again (a rerun, a retry) adds nothing.
        assert not backup.register_client_erasure(ONE, world.ids["carol"])
        assert db.session.scalar(select(func.count()).select_from(ErasureRecord)) == 1


def test_it_records_a_practice_erasure_in_the_register(app, world):
    with app.app_context():
        _erase(TWO, datetime.now(UTC))
        _erase(TWO, datetime.now(UTC))  # rerun-safe
        rows = db.session.scalars(select(ErasureRecord)).all()
        assert [(r.practice_slug, r.kind, r.subject_id) for r in rows] == [(TWO, ErasureKind.PRACTICE, None)]


# --- create and verify --------------------------------------------------------------------


def test_it_takes_a_consistent_backup_while_a_writer_keeps_writing(app, world):
    stop = threading.Event()
    written = []
    errors = []

    def writer():
        try:
            while not stop.is_set():
                with app.test_request_context(), use_practice(world.practices[ONE]):
                    carol = accounts.user_by_id(world.ids["carol"])
                    journal.create_entry(carol, {"entry_date": date.today(), "mood": 4, "text": f"entry {len(written)}"})
                    db.session.commit()
                written.append(1)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.02)
        archive = make_backup(app)
        during = len(written)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors
    assert len(written) > during or during >= 5
    assert archive.parent == Path(app.instance_path) / "backups"
    assert archive.stat().st_mode & 0o777 == 0o600
    key = Path(app.instance_path) / "keys" / backup.BACKUP_KEY_NAME
    assert key.stat().st_mode & 0o777 == 0o600
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    with app.app_context():
        manifest, problems = backup.verify_backup(archive)
    assert problems == []
    names = {f["name"] for f in manifest["files"]}
    assert names == {"platform.sqlite", f"tenants/{ONE}.sqlite", f"tenants/{TWO}.sqlite"}
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 and f["schema_version"] for f in manifest["files"])
    assert manifest["koers_version"] and manifest["created_at"] and manifest["data_keys_included"] is False


def test_it_prints_the_archive_path_as_the_last_line_and_keeps_keys_and_plain_data_out(app, world):
    add_marked_client(app, world)
    archive = make_backup(app)
    assert archive.is_file() and archive.suffix == ".kbk"
    raw = archive.read_bytes()
    assert MARK_FIRST.encode() not in raw  # encrypted
    with app.app_context(), backup.open_archive(archive) as opened:
        members = sorted(str(p.relative_to(opened.folder)) for p in opened.folder.rglob("*") if p.is_file())
        assert not any(name.endswith(".key") for name in members)
        archived = (opened.folder / "tenants" / f"{ONE}.sqlite").read_bytes()
        assert MARK_FIRST.encode() in archived
        # Special data stays encrypted with the practice's data key, which is not in the archive.
        assert MARK_JOURNAL.encode() not in archived


def test_it_fails_verification_when_one_byte_is_changed(app, world):
    archive = make_backup(app)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 1
    assert "verification failed" in result.output


def test_it_fails_verification_of_a_cut_off_archive_or_another_key(app, world, tmp_path):
    archive = make_backup(app)
    cut = tmp_path / "cut.kbk"
    cut.write_bytes(archive.read_bytes()[:-100])
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(cut)])
    assert result.exit_code == 1 and "verification failed" in result.output
    key = Path(app.instance_path) / "keys" / backup.BACKUP_KEY_NAME
    key.write_text(os.urandom(32).hex())
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 1 and "another backup key" in result.output


def test_it_reports_a_file_whose_checksum_does_not_match(app, world, tmp_path):
    archive = make_backup(app)
    with app.app_context():
        key = backup.backup_key()
        plain = tmp_path / "plain.tar"
        backup.decrypt_file(archive, plain, key)
        unpacked = tmp_path / "unpacked"
        with tarfile.open(plain) as tar:
            tar.extractall(unpacked, filter="data")
        page = bytearray((unpacked / "platform.sqlite").read_bytes())
        page[-10] ^= 0xFF
        (unpacked / "platform.sqlite").write_bytes(bytes(page))
        repacked = tmp_path / "repacked.tar"
        with tarfile.open(repacked, "w") as tar:
            for name in ("manifest.json", "platform.sqlite", f"tenants/{ONE}.sqlite", f"tenants/{TWO}.sqlite"):
                tar.add(unpacked / name, arcname=name)
        forged = tmp_path / "forged.kbk"
        backup.encrypt_file(repacked, forged, key)
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(forged)])
    assert result.exit_code == 1
    assert "platform.sqlite: checksum differs" in result.output


# --- restore ------------------------------------------------------------------------------


def test_it_restores_into_a_new_folder_that_serves_the_practice(app, world, tmp_path, restored_app):
    archive = make_backup(app)
    target = tmp_path / "restored"
    result = restore(app, archive, target)
    assert result.output.strip().splitlines()[-1] == str(target.resolve())
    for name in ("platform.sqlite", f"tenants/{ONE}.sqlite", f"tenants/{TWO}.sqlite"):
        conn = sqlite3.connect(target / name)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
    assert (target / "keys" / f"{ONE}.key").read_bytes() == (Path(app.instance_path) / "keys" / f"{ONE}.key").read_bytes()
    restored = restored_app(target)
    visitor = Visitor(restored.test_client())
    visitor.login("carol")
    assert visitor.get(f"/{ONE}/").status_code in (200, 302, 303)
    with restored.app_context(), use_practice(tenancy.find_practice(ONE)):
        assert accounts.user_by_id(world.ids["carol"]).first_name == "Carol"


def test_it_refuses_to_restore_into_a_folder_that_is_not_empty(app, world, tmp_path):
    archive = make_backup(app)
    target = tmp_path / "busy"
    target.mkdir()
    (target / "something").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive), "--to", str(target)])
    assert result.exit_code == 1 and "not empty" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["something"]
    assert not [p for p in tmp_path.iterdir() if "restoring" in p.name]


def test_it_erases_again_a_client_erased_after_the_backup_when_restoring(app, world, tmp_path, restored_app):
    client_id = add_marked_client(app, world)
    archive = make_backup(app)
    erase(app, world, client_id)
    target = tmp_path / "restored"
    result = restore(app, archive, target)
    assert "erased again from the erasure register: 1" in result.output
    practice_file = target / "tenants" / f"{ONE}.sqlite"
    data = file_bytes(practice_file)
    for marker in (MARK_FIRST, MARK_LAST, MARK_JOURNAL, "marked@een.test"):
        assert marker.encode() not in data
        assert marker.encode("utf-16-le") not in data
    restored = restored_app(target)
    with restored.app_context(), use_practice(tenancy.find_practice(ONE)):
        assert db.session.get(User, client_id) is None
        assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.client_id == client_id)) == 0
        texts = [e.text for e in db.session.scalars(select(JournalEntry))]
        assert MARK_JOURNAL not in texts
        assert accounts.user_by_id(world.ids["carol"]) is not None  # the others are still there
        # The restored instance keeps the register, so a restore from it erases again too.
        assert db.session.scalar(select(ErasureRecord.subject_id).where(ErasureRecord.practice_slug == ONE)) == client_id
    data = file_bytes(practice_file)
    assert MARK_FIRST.encode() not in data and MARK_LAST.encode() not in data


def test_it_leaves_out_a_practice_erased_after_the_backup_when_restoring(app, world, tmp_path, restored_app):
    archive = make_backup(app)
    with app.app_context():
        _erase(TWO, datetime.now(UTC))
    target = tmp_path / "restored"
    result = restore(app, archive, target)
    assert TWO in result.output.split("Left out")[1]
    assert not (target / "tenants" / f"{TWO}.sqlite").exists()
    assert not (target / "keys" / f"{TWO}.key").exists()
    assert (target / "tenants" / f"{ONE}.sqlite").exists()
    restored = restored_app(target)
    with restored.app_context():
        row = db.session.scalar(select(Practice).where(Practice.slug == TWO))
        assert row.status == PracticeStatus.ERASED and row.erased_at is not None
        assert [p.slug for p in tenancy.list_practices()] == [ONE]


def test_it_leaves_out_a_practice_whose_data_key_was_destroyed(app, world, tmp_path):
    archive = make_backup(app)
    with app.app_context():
        app.extensions["koers_keystore"].destroy(TWO)
    target = tmp_path / "restored"
    restore(app, archive, target)
    assert not (target / "tenants" / f"{TWO}.sqlite").exists()
    assert not (target / "keys" / f"{TWO}.key").exists()


# --- the daily job ------------------------------------------------------------------------


def test_it_keeps_the_configured_number_of_daily_and_weekly_archives(app, world):
    with app.app_context():
        folder = backup.backups_dir()
        start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
        for day in range(120):
            moment = start + timedelta(days=day)
            (folder / f"koers-daily-{moment:%Y%m%dT%H%M%SZ}-{day:08x}.kbk").write_bytes(b"x")
        by_hand = folder / "koers-backup-20250101T000000Z-00000000.kbk"
        by_hand.write_bytes(b"x")
        kept, removed = backup.prune_daily(14, 8)
        left = sorted(p.name for p in folder.glob("koers-daily-*.kbk"))
        # The last 14 days, plus one per week for 8 weeks (the newest weeks overlap those days).
        assert kept == len(left) and removed == 120 - kept
        days = {backup.archive_time(folder / n).date() for n in left}
        newest = (start + timedelta(days=119)).date()
        assert all(newest - timedelta(days=d) in days for d in range(14))
        weeks = {backup.archive_time(folder / n).isocalendar()[:2] for n in left}
        assert len(weeks) == 8
        assert by_hand.exists()  # archives made by hand are never pruned


def test_it_runs_the_daily_backup_as_a_recorded_job_and_prunes(app, world):
    app.config["BACKUP_KEEP_DAILY"] = 1
    app.config["BACKUP_KEEP_WEEKLY"] = 1
    with app.app_context():
        folder = backup.backups_dir()
        (folder / "koers-daily-20200101T030000Z-00000001.kbk").write_bytes(b"x")
    jobs = {job_id: job for job_id, job, _trigger in JOBS}
    run_job(app, "backup.daily", jobs["backup.daily"])
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.job_id == "backup.daily"))
        assert run.outcome == RunOutcome.OK
        assert run.counts["practices"] == 2 and run.counts["archives_removed"] == 1
        archives = list(folder.glob("koers-daily-*.kbk"))
        assert len(archives) == 1
        assert backup.verify_backup(archives[0])[1] == []


def test_it_refuses_to_restore_an_archive_that_does_not_verify_and_creates_nothing(app, world, tmp_path):
    archive = make_backup(app)
    data = bytearray(archive.read_bytes())
    data[-5] ^= 0x01
    archive.write_bytes(bytes(data))
    target = tmp_path / "restored"
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive), "--to", str(target)])
    assert result.exit_code == 1 and "restore failed" in result.output
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if "restoring" in p.name]


def test_it_only_shows_the_restored_folder_once_the_erasures_are_applied(app, world, tmp_path):
    client_id = add_marked_client(app, world)
    archive = make_backup(app)
    erase(app, world, client_id)
    target = tmp_path / "restored"
    restore(app, archive, target)
    # Worked in a hidden folder beside it, renamed when done: nothing is left behind.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not (target / "secret_key").exists()
    assert (target / "keys").stat().st_mode & 0o777 == 0o700


def test_it_does_not_erase_again_an_id_erased_before_the_backup(app, world, tmp_path, restored_app):
    # An id in the register from before the backup may now belong to someone else: left alone.
    with app.app_context():
        backup.register_erasure(ONE, ErasureKind.CLIENT, world.ids["carol"], datetime.now(UTC) - timedelta(days=1))
    archive = make_backup(app)
    target = tmp_path / "restored"
    result = restore(app, archive, target)
    assert "erased again from the erasure register: 0" in result.output
    restored = restored_app(target)
    with restored.app_context(), use_practice(tenancy.find_practice(ONE)):
        assert accounts.user_by_id(world.ids["carol"]) is not None


def test_it_erases_again_every_kind_of_record_of_a_client_the_retention_job_erased(app, world, tmp_path, restored_app):
    import secrets as _secrets

    from tests.test_dossiers_job import DAY_AFTER, finished_client, run_rule
    from tests.test_erasure import marker_in_orm

    mark = "mrk" + _secrets.token_hex(8)
    client_id = finished_client(app, world, mark)
    archive = make_backup(app)
    assert run_rule(app, world, DAY_AFTER)["dossiers_erased"] == 1  # erased in the job's after-commit step
    with app.app_context():
        assert db.session.scalar(select(ErasureRecord.subject_id)) == client_id
    target = tmp_path / "restored"
    restore(app, archive, target)
    assert mark.encode() not in file_bytes(target / "tenants" / f"{ONE}.sqlite")
    restored = restored_app(target)
    with restored.app_context(), use_practice(tenancy.find_practice(ONE)):
        assert db.session.get(User, client_id) is None
        assert marker_in_orm(mark) == []
