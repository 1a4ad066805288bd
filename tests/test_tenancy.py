"""Practices in their own files: finding them from the URL, their engines, and keeping them apart."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlite_utils.migrations import Migrations

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import User
from app.extensions import db
from app.tenancy import migrations
from app.tenancy import services as tenancy
from app.tenancy.context import PracticeRef, practice_engines, use_practice
from app.tenancy.models import Practice
from app.tenancy.session import NoPracticeSelected
from app.tenancy.sqlite import open_connection, writing
from tests.conftest import ONE, PASSWORD, TWO, Visitor, close_app, make_test_config

BUSY_TIMEOUT_MS = 10_000  # the default in app.config.Defaults


def files_under(folder: Path) -> set[str]:
    """Every file and folder below folder, relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def failed_sign_in(client, slug: str) -> int:
    """Try a wrong password in slug's sign-in form; this reads the practice's users."""
    return Visitor(client).post(f"/{slug}/login", {"email": "nobody@nowhere.test", "password": "wrong-password-1"}).status_code


# --- finding the practice from the URL ----------------------------------------------------------


def test_it_answers_an_unknown_practice_with_the_404_page(visitor, instance):
    response = visitor.get("/bestaat-niet/login", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert not (instance / "tenants" / "bestaat-niet.sqlite").exists()


def test_it_answers_an_unknown_practice_in_dutch_by_default(visitor):
    response = visitor.get("/bestaat-niet/")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/../x",
        "/%2e%2e/",
        "/%2e%2e/login",
        "/..%2flogin",
        "/demo.sqlite/login",
        "/praktijk-een.sqlite/login",
        "/ab/login",
        "/UPPER/login",
        "/Praktijk-Een/login",
        "/static/login",
        "/api/login",  # reserved; /platform/login is the operator console's own sign-in
        "/healthz/login",
        "/-leading/login",
        "/trailing-/login",
        "/under_score/login",
        "/" + "a" * 41 + "/login",
        "/" + "b" * 40 + "/login",  # well-formed but unknown
        "/bestaat-niet/login",
    ],
)
def test_it_refuses_a_malformed_reserved_or_unknown_slug_without_touching_a_file(app, tmp_path, path):
    before = files_under(tmp_path)

    response = app.test_client().get(path)

    assert response.status_code == 404
    assert files_under(tmp_path) == before


def test_it_raises_when_a_practice_model_is_used_with_no_practice_selected(app, tmp_path):
    before = files_under(tmp_path)

    with app.app_context():
        with pytest.raises(NoPracticeSelected):
            db.session.scalar(select(User).limit(1))
        with pytest.raises(NoPracticeSelected):
            db.session.get(User, 1)
        db.session.add(User(role="coach", email="los@nergens.test", first_name="Los", last_name="Zand", active=True))
        with pytest.raises(NoPracticeSelected):
            db.session.flush()
        db.session.rollback()
        # The platform store does not need a practice.
        assert db.session.scalar(select(Practice.slug).where(Practice.slug == ONE)) == ONE

    assert files_under(tmp_path) == before


# --- engines ---------------------------------------------------------------------------------------


@pytest.fixture
def small_cache_app(tmp_path: Path, mailbox) -> Iterator[Flask]:
    """An app that keeps at most two practice engines open, with four practices."""
    app = create_app(make_test_config(tmp_path / "small", mailbox.port) | {"TENANT_ENGINE_CACHE_SIZE": 2})
    with app.app_context():
        for n in ("een", "twee", "drie", "vier"):
            tenancy.create_practice(f"praktijk-{n}", f"Praktijk {n}", f"baas@{n}.test")
    yield app
    close_app(app)


def test_it_keeps_no_more_practice_engines_open_than_the_cap(small_cache_app):
    client = small_cache_app.test_client()
    slugs = ["praktijk-een", "praktijk-twee", "praktijk-drie", "praktijk-vier", "praktijk-een"]

    for slug in slugs:
        # Every practice still answers from its own file, also after its engine was closed.
        assert failed_sign_in(client, slug) == 422
        with small_cache_app.app_context():
            assert practice_engines().open_count() <= 2

    with small_cache_app.app_context():
        assert practice_engines().open_count() == 2


def test_it_closes_the_least_recently_used_practice_engine(small_cache_app):
    with small_cache_app.app_context():
        engines = practice_engines()
        een = engines.get("praktijk-een")
        twee = engines.get("praktijk-twee")
        assert engines.get("praktijk-een") is een  # a hit: one is now the most recently used

        engines.get("praktijk-drie")  # over the cap: two goes

        assert engines.open_count() == 2
        assert engines.get("praktijk-een") is een
        assert engines.get("praktijk-twee") is not twee


# --- connections ---------------------------------------------------------------------------------


def pragmas(conn) -> dict[str, object]:
    """The PRAGMAs every Koers connection must have, as the connection reports them."""
    names = ("journal_mode", "synchronous", "foreign_keys", "secure_delete", "busy_timeout")
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "foreign_keys": 1,
    "secure_delete": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
}


def test_it_opens_every_practice_connection_with_the_pragmas(app):
    client = app.test_client()
    assert failed_sign_in(client, ONE) == 422  # the engine a request used

    with app.app_context():
        engine = practice_engines().get(ONE)
        # Several connections at once, so the pool has to open more than one.
        connections = [engine.raw_connection() for _ in range(3)]
        try:
            assert len({id(c.driver_connection) for c in connections}) == 3
            for conn in connections:
                assert pragmas(conn.driver_connection) == EXPECTED_PRAGMAS
        finally:
            for conn in connections:
                conn.close()


def test_it_opens_direct_and_platform_connections_with_the_pragmas(app, instance):
    with closing(open_connection(instance / "tenants" / f"{TWO}.sqlite")) as conn:
        assert pragmas(conn) == EXPECTED_PRAGMAS
    with app.app_context():
        platform = db.engine.raw_connection()
        try:
            assert pragmas(platform.driver_connection) == EXPECTED_PRAGMAS
        finally:
            platform.close()


def _other_writer_can_start(path: Path) -> bool:
    """True when another connection can take the file's write lock right now."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return False
        other.execute("ROLLBACK")
        return True


def test_it_takes_the_write_lock_when_a_practice_transaction_begins(app, world, instance):
    path = instance / "tenants" / f"{ONE}.sqlite"
    with app.app_context(), use_practice(world.practices[ONE]):
        # Only a read so far; the transaction holds the write lock regardless (BEGIN IMMEDIATE),
        # so a later write in it cannot fail with SQLITE_BUSY halfway.
        assert accounts.user_by_email("alice@een.test") is not None

        assert not _other_writer_can_start(path)
        with closing(sqlite3.connect(path, timeout=0)) as reader:
            # WAL: readers are not blocked by the writer.
            assert reader.execute("SELECT count(*) FROM users").fetchone()[0] == 5

        db.session.rollback()
        assert _other_writer_can_start(path)


def test_it_takes_the_platform_write_lock_only_when_writing(app, instance):
    path = instance / "platform.sqlite"
    with app.app_context():
        assert tenancy.find_practice(ONE) is not None
        assert _other_writer_can_start(path)  # a plain read does not block the operator's writers
        db.session.rollback()

        with writing():
            assert tenancy.find_practice(ONE) is not None
            assert not _other_writer_can_start(path)
        db.session.rollback()
        assert _other_writer_can_start(path)


# --- migrations ---------------------------------------------------------------------------------


def _add_notes_table(database) -> None:
    database.conn.execute("CREATE TABLE test_notes (id INTEGER PRIMARY KEY, body TEXT)")


def test_it_does_not_serve_a_practice_with_pending_migrations_until_migrated(app, monkeypatch):
    extra = Migrations._Migration("t9001_test_notes", _add_notes_table)
    monkeypatch.setattr(
        migrations.practice_migrations, "_migrations", [*migrations.practice_migrations._migrations, extra]
    )
    client = app.test_client()

    for slug in (ONE, TWO):
        response = client.get(f"/{slug}/login", headers={"Accept-Language": "en"})
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "Temporarily unavailable" in page
        assert "being updated" in page
        assert 'name="password"' not in page

    result = app.test_cli_runner().invoke(args=["practices", "migrate", "--practice", ONE])
    assert result.exit_code == 0, result.output

    assert client.get(f"/{ONE}/login").status_code == 200
    assert client.get(f"/{TWO}/login").status_code == 503  # not migrated yet
    app.test_cli_runner().invoke(args=["practices", "migrate"])
    assert client.get(f"/{TWO}/login").status_code == 200


# --- creating a practice ---------------------------------------------------------------------------


def test_it_leaves_nothing_behind_when_creating_a_practice_fails(bare_app, instance, monkeypatch):
    real_invite = accounts.invite_first_admin

    def invite_then_fail(email: str) -> str:
        real_invite(email)  # the file now holds a user, an invitation and audit events
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(accounts, "invite_first_admin", invite_then_fail)
    before = files_under(instance / "tenants") | files_under(instance / "keys")

    with bare_app.app_context():
        with pytest.raises(RuntimeError, match="the disk filled up"):
            tenancy.create_practice("de-wegwijzer", "De Wegwijzer", "baas@wegwijzer.test")

    assert files_under(instance / "tenants") | files_under(instance / "keys") == before
    assert not list((instance / "tenants").glob("de-wegwijzer*"))
    assert not (instance / "keys" / "de-wegwijzer.key").exists()
    with closing(sqlite3.connect(instance / "platform.sqlite")) as conn:
        assert conn.execute("SELECT count(*) FROM practices").fetchone()[0] == 0
    assert "de-wegwijzer" not in bare_app.test_cli_runner().invoke(args=["practices", "list"]).output
    assert bare_app.test_client().get("/de-wegwijzer/login").status_code == 404

    monkeypatch.undo()
    with bare_app.app_context():
        practice, link = tenancy.create_practice("de-wegwijzer", "De Wegwijzer", "baas@wegwijzer.test")
    assert practice.slug == "de-wegwijzer"
    assert bare_app.test_client().get(link.removeprefix("http://localhost")).status_code == 200


def test_it_leaves_nothing_behind_when_the_first_admin_cannot_be_made(bare_app, instance, monkeypatch):
    def refuse(email: str) -> str:
        raise RuntimeError("no admin today")

    monkeypatch.setattr(accounts, "invite_first_admin", refuse)

    result = bare_app.test_cli_runner().invoke(
        args=["practices", "create", "de-wegwijzer", "--name", "De Wegwijzer", "--admin-email", "baas@wegwijzer.test"]
    )

    assert result.exit_code != 0
    assert not list((instance / "tenants").glob("de-wegwijzer*"))
    assert not (instance / "keys" / "de-wegwijzer.key").exists()
    monkeypatch.undo()
    again = bare_app.test_cli_runner().invoke(
        args=["practices", "create", "de-wegwijzer", "--name", "De Wegwijzer", "--admin-email", "baas@wegwijzer.test"]
    )
    assert again.exit_code == 0, again.output


# --- keeping practices apart ----------------------------------------------------------------------


def test_it_repeats_user_ids_across_practices(app, world):
    with app.app_context():
        for slug in (ONE, TWO):
            with use_practice(world.practices[slug]):
                assert db.session.get(User, 1).role == "practice_admin"
    assert world.ids["eve"] == world.ids["alice"]  # both 2, each in their own file


def test_it_shows_a_coach_only_their_own_practice_although_ids_repeat(as_persona):
    eve = as_persona("eve")

    own = eve.get(f"/{TWO}/coach")
    assert own.status_code == 200
    assert "Carol" not in own.get_data(as_text=True)

    # Eve's cookie names user 2 of practice two; in practice one user 2 is Alice.
    for path in (f"/{ONE}/coach", f"/{ONE}/account", f"/{ONE}/admin/people/"):
        response = eve.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/{ONE}/login")
        assert "Alice" not in response.get_data(as_text=True)


def test_it_does_not_let_an_admin_of_one_practice_into_another(as_persona):
    admin = as_persona("admin")  # user 1 of practice one; user 1 of practice two is its admin too
    assert "Alice" in admin.get(f"/{ONE}/admin/people/").get_data(as_text=True)

    response = admin.get(f"/{TWO}/admin/people/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/{TWO}/login")
    assert "Eve" not in response.get_data(as_text=True)
    invite = admin.post(f"/{TWO}/admin/people/invite", {"first_name": "Indringer", "last_name": "X", "email": "x@twee.test", "role": "coach"})
    assert invite.status_code == 302
    assert invite.headers["Location"].startswith(f"/{TWO}/login")


def test_it_keeps_sign_in_to_the_practice_the_address_belongs_to(app):
    # Alice's address and password mean nothing in practice two.
    response = Visitor(app.test_client()).post(f"/{TWO}/login", {"email": "alice@een.test", "password": PASSWORD})
    assert response.status_code == 422


def test_it_refuses_to_work_in_a_practice_ref_with_a_bad_slug(app):
    bad = PracticeRef(slug="../platform", name="x", status="active", is_demo=False)
    with app.app_context(), use_practice(bad):
        with pytest.raises(ValueError, match="invalid practice slug"):
            db.session.scalar(select(User).limit(1))


def test_it_shows_an_unknown_page_inside_a_practice_as_signed_in(as_persona):
    alice = as_persona("alice")
    page = alice.get("/praktijk-een/no-such-page")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    # The practice's header and the person's menu stay, so the way back is one click.
    assert "Praktijk Een" in text
    assert 'action="/praktijk-een/logout"' in text


def test_it_never_creates_an_empty_file_for_a_practice_whose_file_is_gone(app, world, instance):
    from app.tenancy.services import remove_practice_files

    with app.app_context():
        remove_practice_files(ONE)
        with use_practice(world.practices[ONE]), pytest.raises(FileNotFoundError):
            db.session.scalar(select(User.id).limit(1))
    assert not (instance / "tenants" / f"{ONE}.sqlite").exists()
