"""The journal: private entries, sharing one at a time with the coach, validation, access and audit."""
from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.journal.models import JournalEntry
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def entry_data(**overrides: str) -> dict[str, str]:
    return {"entry_date": "2026-03-02", "mood": "4", "text": "A good day at the interview.", **overrides}


def new_entry(as_persona, **overrides: str) -> int:
    carol = as_persona("carol", lang="en")
    assert carol.post(f"/{ONE}/journal/new", entry_data(**overrides)).status_code == 303
    return newest_entry_id(carol)


def newest_entry_id(carol) -> int:
    page = carol.get(f"/{ONE}/journal/").get_data(as_text=True)
    return int(page.split('id="entry-')[1].split('"')[0])


def share(as_persona, entry_id: int, shared: str = "1"):
    return as_persona("carol", lang="en").post(f"/{ONE}/journal/{entry_id}/share", {"shared": shared})


def actions(app, world) -> list[str]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [e.action for e in db.session.scalars(select(AuditEvent)) if e.action.startswith("journal.")]


def test_it_keeps_a_new_entry_private_to_the_client(app, world, as_persona):
    entry_id = new_entry(as_persona, text="Nobody else reads this.")
    carol = as_persona("carol", lang="en")
    page = carol.get(f"/{ONE}/journal/").get_data(as_text=True)
    assert "Nobody else reads this." in page and "Private" in page and "My journal" in page
    assert "Nobody else reads this." in carol.get(f"/{ONE}/journal/{entry_id}").get_data(as_text=True)
    alice = as_persona("alice", lang="en")
    assert alice.get(f"/{ONE}/journal/{entry_id}").status_code == 404
    section = alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/journal").get_data(as_text=True)
    assert "Nobody else reads this." not in section and "has not shared any journal entries" in section


def test_it_shows_a_shared_entry_to_the_coach_until_the_client_unshares(app, world, as_persona):
    entry_id = new_entry(as_persona, text="For my coach.")
    alice = as_persona("alice", lang="en")
    assert share(as_persona, entry_id).status_code == 303
    section = alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/journal").get_data(as_text=True)
    assert "For my coach." in section
    assert "For my coach." in alice.get(f"/{ONE}/journal/{entry_id}").get_data(as_text=True)

    assert share(as_persona, entry_id, "0").status_code == 303
    assert alice.get(f"/{ONE}/journal/{entry_id}").status_code == 404
    section = alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/journal").get_data(as_text=True)
    assert "For my coach." not in section
    assert actions(app, world).count("journal.share") == 1 and actions(app, world).count("journal.unshare") == 1


def test_it_toggles_sharing_in_place_with_htmx(as_persona):
    entry_id = new_entry(as_persona)
    carol = as_persona("carol", lang="en")
    response = carol.htmx("POST", f"/{ONE}/journal/{entry_id}/share", {"shared": "1"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert f'id="entry-{entry_id}"' in fragment and "Shared with your coach" in fragment and "Stop sharing" in fragment
    fragment = carol.htmx("POST", f"/{ONE}/journal/{entry_id}/share", {"shared": "0"}).get_data(as_text=True)
    assert "Share with my coach" in fragment


def test_it_refuses_a_malformed_share_request(as_persona):
    entry_id = new_entry(as_persona)
    assert share(as_persona, entry_id, "maybe").status_code == 400


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "Write something in your entry."),
        ({"text": "x" * 20_001}, "Keep your entry under 20000 characters."),
        ({"mood": "6"}, "Choose a mood from 1 to 5, or none."),
        ({"mood": "0"}, "Choose a mood from 1 to 5, or none."),
        ({"entry_date": "1899-12-31"}, "Enter a date between 1900 and one year from today."),
        ({"entry_date": (date.today() + timedelta(days=400)).isoformat()}, "Enter a date between 1900 and one year from today."),
        ({"entry_date": "not-a-date"}, "Not a valid date value."),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_saves_nothing(app, world, as_persona, changes, message):
    response = as_persona("carol", lang="en").post(f"/{ONE}/journal/new", entry_data(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalars(select(JournalEntry)).first() is None


def test_it_accepts_an_entry_without_a_mood(app, world, as_persona):
    new_entry(as_persona, mood="")
    carol = as_persona("carol", lang="en")
    assert carol.post(f"/{ONE}/journal/new", {"entry_date": "2026-03-03", "text": "No mood field at all"}).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert [e.mood for e in db.session.scalars(select(JournalEntry))] == [None, None]


def test_it_lets_the_client_edit_and_delete_an_entry(app, world, as_persona):
    entry_id = new_entry(as_persona)
    carol = as_persona("carol", lang="en")
    form = carol.get(f"/{ONE}/journal/{entry_id}/edit").get_data(as_text=True)
    assert "A good day at the interview." in form and '<option selected value="4">' in form
    assert carol.post(f"/{ONE}/journal/{entry_id}/edit", entry_data(text="Changed.", mood="2")).status_code == 303
    assert "Changed." in carol.get(f"/{ONE}/journal/{entry_id}").get_data(as_text=True)
    bad = carol.post(f"/{ONE}/journal/{entry_id}/edit", entry_data(text=""))
    assert bad.status_code == 422
    assert "Delete this journal entry?" in carol.get(f"/{ONE}/journal/{entry_id}/delete").get_data(as_text=True)
    assert carol.post(f"/{ONE}/journal/{entry_id}/delete").status_code == 303
    assert carol.get(f"/{ONE}/journal/{entry_id}").status_code == 404
    assert actions(app, world) == [
        "journal.create", "journal.list", "journal.read", "journal.update", "journal.read",
        "journal.read", "journal.delete",
    ]


def test_it_does_not_let_the_coach_change_a_shared_entry(app, world, as_persona):
    entry_id = new_entry(as_persona)
    share(as_persona, entry_id)
    alice = as_persona("alice", lang="en")
    assert alice.post(f"/{ONE}/journal/{entry_id}/edit", entry_data(text="Alice was here")).status_code == 403
    assert alice.post(f"/{ONE}/journal/{entry_id}/delete").status_code == 403
    assert alice.post(f"/{ONE}/journal/{entry_id}/share", {"shared": "0"}).status_code == 403
    with app.app_context(), use_practice(world.practices[ONE]):
        entry = db.session.get(JournalEntry, entry_id)
        assert entry.text == entry_data()["text"] and entry.is_shared


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("admin", 403), ("eve", 302)],
)
def test_it_shows_a_shared_entry_only_to_the_client_and_their_coach(as_persona, persona, status):
    entry_id = new_entry(as_persona, text="Shared thoughts.")
    share(as_persona, entry_id)
    response = as_persona(persona, lang="en").get(f"/{ONE}/journal/{entry_id}")
    assert response.status_code == status
    assert ("Shared thoughts." in response.get_data(as_text=True)) == (status == 200)


def test_it_does_not_let_another_client_touch_an_entry(app, world, as_persona, visitor):
    entry_id = new_entry(as_persona)
    dave = as_persona("dave", lang="en")
    assert dave.post(f"/{ONE}/journal/{entry_id}/edit", entry_data(text="Dave")).status_code == 404
    assert dave.post(f"/{ONE}/journal/{entry_id}/share", {"shared": "1"}).status_code == 404
    assert dave.post(f"/{ONE}/journal/{entry_id}/delete").status_code == 404
    assert "A good day" not in dave.get(f"/{ONE}/journal/").get_data(as_text=True)
    response = visitor.get(f"/{ONE}/journal/{entry_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_renders_a_script_in_an_entry_inert(world, as_persona):
    entry_id = new_entry(as_persona, text=XSS)
    share(as_persona, entry_id)
    carol, alice = as_persona("carol", lang="en"), as_persona("alice", lang="en")
    section_url = f"/{ONE}/clients/{world.ids['carol']}/sections/journal"
    pages = [
        carol.get(f"/{ONE}/journal/"),
        carol.get(f"/{ONE}/journal/{entry_id}"),
        carol.get(f"/{ONE}/journal/{entry_id}/edit"),
        carol.htmx("POST", f"/{ONE}/journal/{entry_id}/share", {"shared": "1"}),
        alice.get(f"/{ONE}/journal/{entry_id}"),
        alice.htmx("GET", section_url),
        alice.get(section_url),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_it_keeps_text_and_mood_encrypted_in_the_practice_file(app, world, as_persona, instance: Path):
    marker = f"marker-{secrets.token_hex(16)}"
    entry_id = new_entry(as_persona, text=marker)
    path = instance / "tenants" / f"{ONE}.sqlite"
    for raw in (path.read_bytes(), Path(f"{path}-wal").read_bytes()):
        assert marker.encode() not in raw
    # The mood is stored encrypted too: the file holds no plain "4" for it.
    with closing(sqlite3.connect(path)) as conn:
        stored = conn.execute("SELECT mood FROM journal_entries WHERE id = ?", (entry_id,)).fetchone()[0]
    assert isinstance(stored, bytes) and stored != b"4" and len(stored) > 20
