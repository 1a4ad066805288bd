"""The operator's `flask` commands: practices, demo and audit, as a terminal would run them."""
from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from flask import Flask
from sqlite_utils.migrations import Migrations

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import Role
from app.extensions import db
from app.tenancy import migrations
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from tests.conftest import ONE, TWO, Visitor, close_app

DEMO_EMAILS = {
    "admin@demo.test": "/demo/admin/people/",
    "coach@demo.test": "/demo/coach",
    "client@demo.test": "/demo/me",
}


def run(app: Flask, *args: str):
    """Run `flask ARGS` against app and return click's result."""
    return app.test_cli_runner().invoke(args=list(args))


def error_line(result) -> str:
    """The one `Error: ...` line of a refused command, after checking it failed cleanly."""
    assert result.exit_code != 0, result.output
    # A refusal is a message, not a crash: no traceback, no exception other than the exit.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def instance_files(instance: Path) -> set[str]:
    return {str(p.relative_to(instance)) for p in instance.rglob("*") if p.is_file()}


def sign_in(app: Flask, slug: str, email: str, password: str):
    """POST the practice's sign-in form as a browser would."""
    return Visitor(app.test_client()).post(f"/{slug}/login", {"email": email, "password": password})


def add_migration(monkeypatch: pytest.MonkeyPatch, name: str, fn) -> None:
    """Register one more practice migration for this test only."""
    extra = Migrations._Migration(name, fn)
    monkeypatch.setattr(
        migrations.practice_migrations, "_migrations", [*migrations.practice_migrations._migrations, extra]
    )


def table_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- practices create ------------------------------------------------------------------


def test_it_creates_a_practice_and_prints_an_invitation_link_that_works(bare_app, instance):
    result = run(bare_app, "practices", "create", "de-wegwijzer", "--name", "De Wegwijzer", "--admin-email", "Baas@Wegwijzer.test")

    assert result.exit_code == 0, result.output
    assert "Created practice 'de-wegwijzer' (De Wegwijzer)" in result.output
    links = re.findall(r"https?://\S+", result.output)
    assert len(links) == 1
    assert links[0].startswith("http://localhost/de-wegwijzer/invitation/")
    assert (instance / "tenants" / "de-wegwijzer.sqlite").is_file()
    assert (instance / "keys" / "de-wegwijzer.key").is_file()

    page = bare_app.test_client().get(links[0].removeprefix("http://localhost"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "De Wegwijzer" in html
    assert "baas@wegwijzer.test" in html
    assert 'name="password"' in html and 'name="confirm"' in html


@pytest.mark.parametrize(
    ("slug", "says"),
    [
        ("Hoofdletters", "3 to 40 lowercase letters"),
        ("ab", "3 to 40 lowercase letters"),
        ("a" * 41, "3 to 40 lowercase letters"),
        ("eindigt-met-streep-", "3 to 40 lowercase letters"),
        ("../escape", "3 to 40 lowercase letters"),
        ("demo.sqlite", "3 to 40 lowercase letters"),
        ("static", "'static' is reserved"),
        ("healthz", "'healthz' is reserved"),
        ("platform", "'platform' is reserved"),
        ("master", "'master' is reserved"),  # its key file would be the master key
    ],
)
def test_it_refuses_an_invalid_or_reserved_slug_in_one_line(bare_app, instance, slug, says):
    before = instance_files(instance)

    result = run(bare_app, "practices", "create", slug, "--name", "Iets", "--admin-email", "baas@iets.test")

    assert says in error_line(result)
    assert result.output.strip().count("\n") == 0
    assert instance_files(instance) == before


def test_it_refuses_a_slug_that_is_already_taken(app, instance):
    before = instance_files(instance)

    result = run(app, "practices", "create", ONE, "--name", "Nog een", "--admin-email", "baas@nogeen.test")

    assert f"a practice with slug '{ONE}' already exists" in error_line(result)
    assert result.output.strip().count("\n") == 0
    assert instance_files(instance) == before
    # The existing practice is untouched: its people still sign in.
    assert sign_in(app, ONE, "alice@een.test", "plum-river-cactus-7").status_code == 303


@pytest.mark.parametrize("address", ["geen-adres", "twee@@apen.test", "baas@", ""])
def test_it_refuses_a_bad_admin_email_address_in_one_line(bare_app, instance, address):
    before = instance_files(instance)

    result = run(bare_app, "practices", "create", "de-wegwijzer", "--name", "De Wegwijzer", "--admin-email", address)

    assert "the admin e-mail address is not valid" in error_line(result)
    assert result.output.strip().count("\n") == 0
    assert instance_files(instance) == before


def test_it_refuses_an_empty_practice_name_in_one_line(bare_app, instance):
    result = run(bare_app, "practices", "create", "de-wegwijzer", "--name", "   ", "--admin-email", "baas@wegwijzer.test")

    assert "the practice name must be 1 to 200 characters" in error_line(result)
    assert not (instance / "tenants" / "de-wegwijzer.sqlite").exists()


@pytest.mark.parametrize("missing", ["--name", "--admin-email"])
def test_it_names_a_missing_option(bare_app, instance, missing):
    args = {"--name": "De Wegwijzer", "--admin-email": "baas@wegwijzer.test"}
    del args[missing]

    result = run(bare_app, "practices", "create", "de-wegwijzer", *[x for pair in args.items() for x in pair])

    # Click's usage error: a usage hint and one line naming the missing option.
    assert result.exit_code == 2
    assert f"Missing option '{missing}'" in error_line(result)
    assert not (instance / "tenants" / "de-wegwijzer.sqlite").exists()


# --- practices list ---------------------------------------------------------------------


def test_it_says_how_to_start_when_there_are_no_practices(bare_app):
    result = run(bare_app, "practices", "list")

    assert result.exit_code == 0
    assert "No practices yet" in result.output
    assert "practices create SLUG" in result.output


def test_it_lists_every_practice_with_status_and_schema_state(app):
    result = run(app, "practices", "list")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [
        f"{ONE}\tactive\tschema current\tPraktijk Een",
        f"{TWO}\tactive\tschema current\tPraktijk Twee",
    ]


# --- practices migrate ------------------------------------------------------------------


def _add_notes_table(database) -> None:
    database.conn.execute("CREATE TABLE test_notes (id INTEGER PRIMARY KEY, body TEXT)")


def test_it_migrates_every_practice_file_once(app, instance, monkeypatch):
    third = run(app, "practices", "create", "praktijk-drie", "--name", "Praktijk Drie", "--admin-email", "baas@drie.test")
    assert third.exit_code == 0, third.output
    add_migration(monkeypatch, "t9001_test_notes", _add_notes_table)
    slugs = ["praktijk-drie", ONE, TWO]  # listed by slug

    listed = run(app, "practices", "list")
    assert listed.output.count("1 migration(s) pending") == 3

    result = run(app, "practices", "migrate")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{slug}: t9001_test_notes" for slug in slugs]
    for slug in slugs:
        assert "test_notes" in table_names(instance / "tenants" / f"{slug}.sqlite")
    again = run(app, "practices", "migrate")
    assert again.exit_code == 0
    assert again.output.splitlines() == [f"{slug}: up to date" for slug in slugs]
    assert run(app, "practices", "list").output.count("schema current") == 3


def test_it_migrates_only_the_named_practice(app, instance, monkeypatch):
    add_migration(monkeypatch, "t9001_test_notes", _add_notes_table)

    result = run(app, "practices", "migrate", "--practice", TWO)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{TWO}: t9001_test_notes"]
    assert "test_notes" in table_names(instance / "tenants" / f"{TWO}.sqlite")
    assert "test_notes" not in table_names(instance / "tenants" / f"{ONE}.sqlite")


def test_it_keeps_migrating_the_others_when_one_practice_file_fails(app, instance, monkeypatch):
    # Practice one already has a table the new migration wants to create: it fails there only.
    with closing(sqlite3.connect(instance / "tenants" / f"{ONE}.sqlite")) as conn:
        conn.execute("CREATE TABLE test_notes (id INTEGER PRIMARY KEY)")
        conn.commit()
    add_migration(monkeypatch, "t9001_test_notes", _add_notes_table)

    result = run(app, "practices", "migrate")

    assert result.exit_code != 0
    assert f"{ONE}: FAILED" in result.output
    assert f"{TWO}: t9001_test_notes" in result.output
    assert "1 practice(s) could not be migrated" in error_line(result)
    listed = run(app, "practices", "list").output
    assert f"{ONE}\tactive\t1 migration(s) pending" in listed
    assert f"{TWO}\tactive\tschema current" in listed


def test_it_refuses_to_migrate_an_unknown_practice_in_one_line(app):
    result = run(app, "practices", "migrate", "--practice", "bestaat-niet")

    assert "no practice with slug 'bestaat-niet'" in error_line(result)
    assert result.output.strip().count("\n") == 0


# --- demo -----------------------------------------------------------------------------------


def _printed_password(output: str) -> str:
    match = re.search(r"password for all three: (\S+)", output)
    assert match, output
    return match.group(1)


def _assert_demo_sign_ins(app: Flask, password: str) -> None:
    for email, landing in DEMO_EMAILS.items():
        response = sign_in(app, "demo", email, password)
        assert response.status_code == 303, email
        assert response.headers["Location"].endswith(landing), email


def test_it_creates_the_demo_practice_whose_personas_sign_in_with_the_printed_password(bare_app):
    result = run(bare_app, "demo")

    assert result.exit_code == 0, result.output
    assert "http://localhost/demo/login" in result.output
    for email in DEMO_EMAILS:
        assert email in result.output
    password = _printed_password(result.output)
    assert len(password) >= 10
    _assert_demo_sign_ins(bare_app, password)
    assert sign_in(bare_app, "demo", "coach@demo.test", "not-the-password").status_code == 422


def test_it_gives_the_demo_personas_the_password_from_the_option(bare_app):
    result = run(bare_app, "demo", "--password", "lantern-orbit-copper-42")

    assert result.exit_code == 0, result.output
    assert _printed_password(result.output) == "lantern-orbit-copper-42"
    _assert_demo_sign_ins(bare_app, "lantern-orbit-copper-42")


@pytest.fixture
def app_from_environment(instance: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app configured the way `make run` does it: only through KOERS_* variables."""
    for name in list(os.environ):
        if name.startswith("KOERS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KOERS_INSTANCE", str(instance))
    monkeypatch.setenv("KOERS_DEMO_PASSWORD", "harbour-violet-engine-9")
    monkeypatch.setenv("KOERS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("KOERS_ARGON2_MEMORY_COST_KIB", "8")
    monkeypatch.setenv("KOERS_ARGON2_PARALLELISM", "1")
    app = create_app()
    yield app
    close_app(app)


def test_it_gives_the_demo_personas_the_password_from_koers_demo_password(app_from_environment):
    result = run(app_from_environment, "demo")

    assert result.exit_code == 0, result.output
    assert _printed_password(result.output) == "harbour-violet-engine-9"
    _assert_demo_sign_ins(app_from_environment, "harbour-violet-engine-9")


def _add_demo_visitor(app: Flask) -> None:
    """Something a visitor of the demo did that a reset must wipe."""
    with app.app_context():
        practice = tenancy.find_practice("demo")
        with use_practice(practice):
            accounts.create_user(Role.CLIENT, "bezoeker@demo.test", "Bezoeker", "Demo", password="lantern-orbit-copper-42")
            db.session.commit()


def test_it_leaves_an_existing_demo_practice_alone_with_if_missing(bare_app):
    first = run(bare_app, "demo", "--password", "lantern-orbit-copper-42")
    assert first.exit_code == 0, first.output
    _add_demo_visitor(bare_app)

    result = run(bare_app, "demo", "--if-missing", "--password", "harbour-violet-engine-9")

    assert result.exit_code == 0, result.output
    assert "exists" in result.output
    assert "password for all three" not in result.output
    _assert_demo_sign_ins(bare_app, "lantern-orbit-copper-42")
    assert sign_in(bare_app, "demo", "bezoeker@demo.test", "lantern-orbit-copper-42").status_code == 303
    assert sign_in(bare_app, "demo", "coach@demo.test", "harbour-violet-engine-9").status_code == 422


def test_it_creates_the_demo_practice_with_if_missing_when_there_is_none(bare_app):
    result = run(bare_app, "demo", "--if-missing", "--password", "lantern-orbit-copper-42")

    assert result.exit_code == 0, result.output
    _assert_demo_sign_ins(bare_app, "lantern-orbit-copper-42")


def test_it_resets_the_demo_practice_when_run_again(bare_app, instance):
    run(bare_app, "demo", "--password", "lantern-orbit-copper-42")
    _add_demo_visitor(bare_app)

    result = run(bare_app, "demo", "--password", "harbour-violet-engine-9")

    assert result.exit_code == 0, result.output
    _assert_demo_sign_ins(bare_app, "harbour-violet-engine-9")
    assert sign_in(bare_app, "demo", "coach@demo.test", "lantern-orbit-copper-42").status_code == 422
    assert sign_in(bare_app, "demo", "bezoeker@demo.test", "lantern-orbit-copper-42").status_code == 422
    listed = run(bare_app, "practices", "list").output.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["demo"]


# --- audit verify ---------------------------------------------------------------------------


def test_it_reports_an_intact_audit_chain(app):
    result = run(app, "audit", "verify", ONE)

    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"{ONE}: audit chain intact \(\d+ events\)\n", result.output)


def test_it_refuses_to_verify_an_unknown_practice_in_one_line(app):
    for slug in ("bestaat-niet", "../etc", "STATIC"):
        result = run(app, "audit", "verify", slug)
        assert f"no practice with slug '{slug}'" in error_line(result)
        assert result.output.strip().count("\n") == 0
