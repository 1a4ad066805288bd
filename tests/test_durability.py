"""Crash-safe writes: checkpoints only under the write lock, no acknowledged save lost to a
SIGKILL, and many concurrent writers to one practice without "database is locked"."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.exercises import builder, services
from app.exercises.models import Answer
from app.exercises.questions import load_answer
from app.extensions import db
from app.scheduler.jobs import checkpoint_files
from app.scheduler.runner import JOBS
from app.tenancy.context import practice_engines, use_practice
from app.tenancy.sqlite import checkpoint, open_connection
from tests.conftest import ONE, PASSWORD, PERSONAS, close_app, free_port

ROOT = Path(__file__).resolve().parent.parent
PAGE = 4096


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def wal_size(path: Path) -> int:
    wal = wal_of(path)
    return wal.stat().st_size if wal.exists() else 0


def fresh_file(tmp_path: Path) -> Path:
    path = tmp_path / "file.sqlite"
    with closing(open_connection(path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    return path


def write(conn: sqlite3.Connection, body: str, times: int = 1) -> None:
    for _ in range(times):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO notes VALUES (?)", (body,))
        conn.execute("COMMIT")


# --- the checkpoint policy (the WAL-reset bug) ------------------------------------------------


def test_it_never_checkpoints_on_commit(tmp_path):
    path = fresh_file(tmp_path)
    with closing(open_connection(path)) as conn, closing(open_connection(path)) as reader:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        write(conn, "x" * 2000, times=1500)  # far past SQLite's default of 1000 pages
        # Nothing was copied into the file yet: every commit is still only in the log.
        assert wal_size(path) > 1500 * PAGE
        done = checkpoint(path)
        assert not done.busy and done.log_frames >= 1500 and done.checkpointed == done.log_frames
        assert reader.execute("SELECT count(*) FROM notes").fetchone()[0] == 1500


def test_it_turns_automatic_checkpoints_off_on_every_connection_the_app_opens(app, world):
    with app.app_context():
        practice = practice_engines().get(ONE).raw_connection()
        platform = db.engine.raw_connection()
        try:
            for conn in (practice, platform):
                assert conn.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        finally:
            practice.close()
            platform.close()


def test_it_takes_no_checkpoint_while_another_connection_holds_the_write_lock(tmp_path):
    path = fresh_file(tmp_path)
    with closing(open_connection(path)) as writer:
        write(writer, "before", times=20)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO notes VALUES ('during')")
        started = time.monotonic()
        blocked = checkpoint(path, busy_timeout_ms=300)
        assert blocked.busy and blocked.checkpointed == -1  # it waited for the lock, then did nothing
        assert time.monotonic() - started >= 0.25
        writer.execute("COMMIT")
        done = checkpoint(path, busy_timeout_ms=300)
        assert not done.busy and done.checkpointed == done.log_frames > 0
        assert writer.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert writer.execute("SELECT count(*) FROM notes").fetchone()[0] == 21


def test_it_empties_the_log_so_deleted_text_is_gone_from_the_wal(tmp_path):
    path = fresh_file(tmp_path)
    with closing(open_connection(path)) as conn:
        write(conn, "MARKER-" * 50, times=300)
        conn.execute("DELETE FROM notes")
        assert b"MARKER-" in wal_of(path).read_bytes()
        done = checkpoint(path, empty=True)
        assert done.emptied
        assert wal_size(path) <= 32 + 24 + PAGE  # the header and one page (the file's first)
        assert b"MARKER-" not in wal_of(path).read_bytes() and b"MARKER-" not in path.read_bytes()
        write(conn, "after")
        assert conn.execute("SELECT body FROM notes").fetchall() == [("after",)]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_it_checkpoints_every_practice_and_the_platform_store_every_five_minutes(app, world, instance):
    job = {job_id: trigger for job_id, _job, trigger in JOBS}["sqlite.checkpoint"]
    assert job.interval.total_seconds() == 300
    practice_file = instance / "tenants" / f"{ONE}.sqlite"
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = db.session.get(User, world.ids["carol"])
        for n in range(50):
            carol.first_name = f"Carol{n}"
            db.session.commit()
        grown = wal_size(practice_file)
        results = checkpoint_files()
    assert set(results) == {*world.practices, "platform"}
    for slug in (*world.practices, "platform"):
        assert results[slug]["busy"] == 0 and results[slug]["checkpointed"] == results[slug]["log_frames"]
    assert results[ONE]["log_frames"] >= 50
    with closing(open_connection(practice_file)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE users SET first_name = first_name WHERE id = ?", (world.ids["carol"],))
        conn.execute("COMMIT")
    # The log started over after the checkpoint instead of growing on.
    assert wal_size(practice_file) <= grown


# --- a real server, many clients --------------------------------------------------------------


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
    env.update({
        "KOERS_INSTANCE": str(instance), "KOERS_ARGON2_TIME_COST": "1", "KOERS_ARGON2_MEMORY_COST_KIB": "8",
        "KOERS_ARGON2_PARALLELISM": "1",
    })
    return env


class Server:
    """`flask serve --no-scheduler` in its own process, on a free port."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--no-scheduler", "--port", str(self.port)],
            cwd=ROOT, env=_env(self.instance), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/{ONE}/login", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_REVISION = re.compile(r'name="revision" value="(\d+)"')


class Client:
    """A signed-in browser: its cookies and CSRF token, shared by its threads."""

    def __init__(self, base: str, persona: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        slug, _role, email, _first, _coach = PERSONAS[persona]
        with opener.open(f"{base}/{slug}/login", timeout=10) as response:
            token = _TOKEN.search(response.read().decode()).group(1)
        body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        try:
            opener.open(f"{base}/{slug}/login", data=body, timeout=10)
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303, redirect.code
            home = redirect.headers["Location"]
        self.opener = opener
        # Signing in starts a new session: its CSRF token is on the first page after.
        self.token = ""
        status, page = self.request(urllib.parse.urljoin(f"{base}/{slug}/login", home).removeprefix(base))
        assert status == 200, status
        self.token = _TOKEN.search(page).group(1)

    def request(self, path: str, data: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
        headers = {"HX-Request": "true", "X-CSRFToken": self.token}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Writer:
    """One autosaving window on one question: what it sent and what the server acknowledged."""

    question_id: int
    acked: list[tuple[int, str]] = field(default_factory=list)  # (revision, value)
    sent: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def make_assignment(app, world, questions: int) -> tuple[int, list[int]]:
    """Alice gives carol an exercise of `questions` short questions (through the services)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = db.session.get(User, world.ids["alice"])
        carol = db.session.get(User, world.ids["carol"])
        exercise = builder.create_exercise(alice, "Durability", "")
        for n in range(questions):
            builder.add_question(alice, exercise, MultiDict({"kind": "short_text", "prompt": f"Vraag {n}"}))
        db.session.commit()
        assignment = services.assign_exercise(alice, carol, exercise.id)
        db.session.commit()
        ids = [q.id for q in builder.questions_of(builder.current_version(exercise))]
        return assignment.id, ids


def autosave(client: Client, assignment_id: int, writer: Writer, tag: str, stop: threading.Event, limit: int) -> None:
    revision = 0
    path = f"/{ONE}/exercises/assignments/{assignment_id}/answers/{writer.question_id}"
    for n in range(limit):
        if stop.is_set():
            return
        value = f"{tag}-q{writer.question_id}-n{n}"
        writer.sent.append(value)
        try:
            status, body = client.request(path, {"value": value, "revision": str(revision)})
        except OSError as error:  # the server was killed: this save was never acknowledged
            writer.errors.append(type(error).__name__)
            return
        writer.statuses.append(status)
        if 200 <= status < 300:
            revision = int(_REVISION.search(body).group(1))
            writer.acked.append((revision, value))
        else:
            writer.errors.append(f"HTTP {status}")


def run_writers(client, assignment_id, writers, tag, stop, limit) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=autosave, args=(client, assignment_id, w, tag, stop, limit), daemon=True) for w in writers
    ]
    for thread in threads:
        thread.start()
    return threads


def integrity_of_every_file(instance: Path) -> dict[str, str]:
    files = [instance / "platform.sqlite", *sorted((instance / "tenants").glob("*.sqlite"))]
    result = {}
    for path in files:
        with closing(open_connection(path)) as conn:
            result[path.name] = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return result


def stored_answers(app, world, assignment_id: int) -> tuple[dict[int, tuple[int, str]], set[tuple[int, int]]]:
    """Per question (revision, value) as stored, and every (question, revision) the audit log saw saved."""
    with app.app_context(), use_practice(world.practices[ONE]):
        answers = {
            a.question_id: (a.revision, load_answer(a.value))
            for a in db.session.scalars(select(Answer).where(Answer.assignment_id == assignment_id))
        }
        saved = set()
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exercise.answer_saved")):
            detail = json.loads(event.detail)
            saved.add((detail["question_id"], detail["revision"]))
        db.session.rollback()
    return answers, saved


@pytest.mark.slow
def test_it_keeps_every_acknowledged_save_when_the_server_is_killed(app, world, instance):
    writers_count = 16
    assignment_id, question_ids = make_assignment(app, world, writers_count)
    close_app(app)  # the server process has the files to itself
    server = Server(instance)
    server.start()
    try:
        client = Client(server.url, "carol")
        writers = [Writer(qid) for qid in question_ids]
        stop = threading.Event()
        started = time.monotonic()
        threads = run_writers(client, assignment_id, writers, "crash", stop, limit=10_000)
        # Meanwhile another process (this one) checkpoints the practice file, as the scheduler does.
        checkpoints: list[object] = []
        practice_file = instance / "tenants" / f"{ONE}.sqlite"

        def checkpointer() -> None:
            while not stop.is_set():
                checkpoints.append(checkpoint(practice_file, busy_timeout_ms=2000))
                time.sleep(0.05)

        threads.append(threading.Thread(target=checkpointer, daemon=True))
        threads[-1].start()
        # Kill it in the middle of the stream of saves, once a good number were acknowledged.
        while sum(len(w.acked) for w in writers) < 300 and time.monotonic() - started < 20:
            time.sleep(0.02)
        wal_at_kill = wal_size(practice_file)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        acknowledged = sum(len(w.acked) for w in writers)
        assert acknowledged >= 50  # (300 on an idle machine)
        assert any(c.checkpointed > 0 for c in checkpoints)  # checkpoints ran during the saves
        assert all(200 <= s < 300 for w in writers for s in w.statuses)

        server.start()  # recovers from the log on its own
        page_status, page = client.request(f"/{ONE}/exercises/assignments/{assignment_id}")
        answers, saved = stored_answers(app, world, assignment_id)
        for writer in writers:
            if not writer.acked:
                continue
            last_revision, last_value = writer.acked[-1]
            revision, value = answers[writer.question_id]
            assert all((writer.question_id, r) in saved for r, _v in writer.acked)
            assert revision >= last_revision
            if revision == last_revision:
                assert value == last_value
            else:  # the one save in flight at the kill may have been committed, unacknowledged
                assert revision == last_revision + 1 and value == writer.sent[-1]
            assert page_status == 200 and value in page
        print(f"\ncrash test: {acknowledged} saves acknowledged in {time.monotonic() - started:.1f}s, "
              f"{len(checkpoints)} checkpoints alongside, practice WAL {wal_at_kill} bytes at the kill, {wal_size(instance / 'tenants' / f'{ONE}.sqlite')} bytes")
    finally:
        server.stop()
    assert set(integrity_of_every_file(instance).values()) == {"ok"}


@pytest.mark.slow
def test_it_saves_for_32_concurrent_writers_without_a_failure(app, world, instance):
    writers_count, saves_each = 32, 8
    assignment_id, question_ids = make_assignment(app, world, writers_count)
    close_app(app)
    server = Server(instance)
    server.start()
    try:
        client = Client(server.url, "carol")
        writers = [Writer(qid) for qid in question_ids]
        started = time.monotonic()
        threads = run_writers(client, assignment_id, writers, "many", threading.Event(), limit=saves_each)
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
        wal_after = wal_size(instance / "tenants" / f"{ONE}.sqlite")
        statuses = [s for w in writers for s in w.statuses]
        assert [e for w in writers for e in w.errors] == []
        assert len(statuses) == writers_count * saves_each and set(statuses) == {200}
    finally:
        server.stop()
    answers, _saved = stored_answers(app, world, assignment_id)
    assert {qid: answers[qid] for qid in question_ids} == {w.question_id: w.acked[-1] for w in writers}
    print(f"\n32 writers: {len(statuses)} saves in {elapsed:.1f}s, practice WAL {wal_after} bytes (no checkpoint ran)")
    assert set(integrity_of_every_file(instance).values()) == {"ok"}
