"""The audit log: what is recorded, that it holds ids only, and that tampering shows."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ONE, PASSWORD, PERSONAS, TWO, Visitor

NEW_PASSWORD = "copper-lantern-orbit-42"
WRONG_PASSWORD = "definitely-not-it-99"


def audit_rows(path: Path) -> list[dict]:
    """Every audit event in the file, oldest first, as plain dicts."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM audit_events ORDER BY id")]


def practice_file(instance: Path, slug: str = ONE) -> Path:
    return instance / "tenants" / f"{slug}.sqlite"


def verify(app, slug: str = ONE):
    return app.test_cli_runner().invoke(args=["audit", "verify", slug])


def attack(path: Path, *statements: str) -> None:
    """Change the file directly, as someone with access to it would: triggers first."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            "DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;"
            + ";".join(statements)
        )


def test_it_records_account_events_with_ids_only(app, world, instance, mailbox):
    path = practice_file(instance)
    before = len(audit_rows(path))
    alice_id, admin_id = world.ids["alice"], world.ids["admin"]

    anonymous = Visitor(app.test_client())
    assert anonymous.post(f"/{ONE}/login", {"email": "alice@een.test", "password": WRONG_PASSWORD}).status_code == 422
    assert anonymous.post(f"/{ONE}/login", {"email": "onbekend@een.test", "password": WRONG_PASSWORD}).status_code == 422

    admin = Visitor(app.test_client())
    admin.login("admin")
    invited = admin.post(
        f"/{ONE}/admin/people/invite",
        {"first_name": "Fenna", "last_name": "Vermeulen", "email": "fenna@een.test", "role": "coach"},
    )
    assert invited.status_code == 303
    assert mailbox.to("fenna@een.test")

    alice = Visitor(app.test_client())
    alice.login("alice")
    changed = alice.post(
        f"/{ONE}/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert alice.post(f"/{ONE}/logout").status_code == 303

    with closing(sqlite3.connect(path)) as conn:
        fenna_id = conn.execute("SELECT id FROM users WHERE email = 'fenna@een.test'").fetchone()[0]
    events = [
        {k: row[k] for k in ("action", "actor_id", "object_type", "object_id")}
        for row in audit_rows(path)[before:]
    ]
    assert events == [
        {"action": "login.failed", "actor_id": None, "object_type": "user", "object_id": alice_id},
        {"action": "login.failed", "actor_id": None, "object_type": "user", "object_id": None},
        {"action": "login", "actor_id": admin_id, "object_type": "user", "object_id": admin_id},
        {"action": "user.created", "actor_id": admin_id, "object_type": "user", "object_id": fenna_id},
        {"action": "user.invited", "actor_id": admin_id, "object_type": "user", "object_id": fenna_id},
        {"action": "login", "actor_id": alice_id, "object_type": "user", "object_id": alice_id},
        {"action": "password.changed", "actor_id": alice_id, "object_type": "user", "object_id": alice_id},
        {"action": "logout", "actor_id": alice_id, "object_type": "user", "object_id": alice_id},
    ]

    personal = {PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, "onbekend@een.test", "fenna", "vermeulen"}
    for _slug, _role, email, first_name, _coach in PERSONAS.values():
        personal |= {email, first_name}
    for row in audit_rows(path):
        for column, value in row.items():
            text = str(value).lower()
            for secret in personal:
                assert secret.lower() not in text, f"event {row['id']} holds personal data in {column}"


def test_it_records_the_origin_and_a_role_on_every_event(app, instance, as_persona):
    as_persona("carol")

    rows = audit_rows(practice_file(instance))

    assert {row["origin"] for row in rows} <= {"web", "cli", "job"}
    assert rows[-1]["origin"] == "web"
    assert rows[-1]["actor_role"] == "client"
    assert all(row["actor_role"] for row in rows)


def test_it_verifies_an_intact_chain(app, as_persona):
    as_persona("alice")

    for slug in (ONE, TWO):
        result = verify(app, slug)
        assert result.exit_code == 0, result.output
        assert f"{slug}: audit chain intact" in result.output


def test_it_names_the_first_edited_event(app, instance, as_persona):
    as_persona("alice")
    as_persona("bob")
    path = practice_file(instance)
    edited = next(row["id"] for row in audit_rows(path) if row["action"] == "login")
    assert edited < audit_rows(path)[-1]["id"]  # not the newest: an event in the middle

    # Make it look as if Bob signed in where Alice did.
    attack(path, f"UPDATE audit_events SET actor_id = actor_id + 1 WHERE id = {edited}")

    result = verify(app)
    assert result.exit_code != 0
    assert f"broken at event {edited}:" in result.output
    assert "edited" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert verify(app, TWO).exit_code == 0  # the other practice's chain is its own


def test_it_notices_an_edited_row_whose_hash_was_replaced_too(app, instance, as_persona):
    as_persona("alice")
    path = practice_file(instance)
    rows = audit_rows(path)
    edited = rows[1]["id"]

    # Someone copies a valid-looking hash over the edited row: the next row no longer follows.
    attack(
        path,
        f"UPDATE audit_events SET action = 'login', hash = '{'a' * 64}' WHERE id = {edited}",
    )

    result = verify(app)
    assert result.exit_code != 0
    assert f"broken at event {edited}:" in result.output


def test_it_names_the_event_after_a_deleted_one(app, instance, as_persona):
    as_persona("alice")
    path = practice_file(instance)
    ids = [row["id"] for row in audit_rows(path)]
    removed, following = ids[1], ids[2]

    attack(path, f"DELETE FROM audit_events WHERE id = {removed}")

    result = verify(app)
    assert result.exit_code != 0
    assert f"broken at event {following}:" in result.output
    assert "removed" in result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor_id = 99 WHERE id = 1",
        "UPDATE audit_events SET hash = prev_hash",
        "DELETE FROM audit_events WHERE id = 1",
        "DELETE FROM audit_events",
    ],
)
def test_it_refuses_to_change_or_remove_audit_events(app, instance, statement):
    path = practice_file(instance)
    before = audit_rows(path)

    with closing(sqlite3.connect(path)) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
        conn.rollback()

    assert audit_rows(path) == before
    assert verify(app).exit_code == 0


def test_it_notices_events_cut_off_the_end_after_the_chain_was_anchored(app, instance, as_persona):
    as_persona("alice").post(f"/{ONE}/logout")
    assert verify(app).exit_code == 0  # a verified chain end is anchored in the platform store
    newest = audit_rows(practice_file(instance))[-1]["id"]

    attack(practice_file(instance), f"DELETE FROM audit_events WHERE id >= {newest - 1}")

    result = verify(app)
    assert result.exit_code != 0
    assert f"broken at event {newest}" in result.output
    assert "removed from the end" in result.output


def test_it_anchors_every_practice_from_the_scheduler(app, world, instance):
    from app.scheduler.jobs import anchor_audit_chains

    with app.app_context():
        outcome = anchor_audit_chains()
    assert outcome == {ONE: {"anchored": 1}, TWO: {"anchored": 1}}
    with closing(sqlite3.connect(instance / "platform.sqlite")) as conn:
        anchored = dict(conn.execute("SELECT practice_slug, event_id FROM audit_anchors"))
    assert anchored[ONE] == audit_rows(practice_file(instance))[-1]["id"]
    assert anchored[TWO] == audit_rows(practice_file(instance, TWO))[-1]["id"]
