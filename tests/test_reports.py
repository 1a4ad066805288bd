"""Session reports: writing, editing with history, sharing with the client, access and audit."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.reports.models import ReportVersion, SessionReport
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def report_data(**overrides: str) -> dict[str, str]:
    return {
        "session_date": "2026-03-02", "duration_minutes": "60", "kind": "coaching",
        "visibility": "private", "text": "We talked about the new job.", **overrides,
    }


def new_report(as_persona, world, **overrides: str) -> int:
    alice = as_persona("alice", lang="en")
    response = alice.post(f"/{ONE}/reports/client/{world.ids['carol']}/new", report_data(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def events(app, world, action: str) -> list[AuditEvent]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_it_lets_the_coach_record_a_session_and_read_it(app, world, as_persona):
    report_id = new_report(as_persona, world, text="Carol wants to become a baker.")
    alice = as_persona("alice", lang="en")
    page = alice.get(f"/{ONE}/reports/{report_id}").get_data(as_text=True)
    assert "Carol wants to become a baker." in page and "60 minutes" in page and "Coaching" in page
    section = alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/reports")
    assert section.status_code == 200 and f"/reports/{report_id}" in section.get_data(as_text=True)
    assert events(app, world, "report.create") and events(app, world, "report.read")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": "0"}, "Enter a duration between 1 and 600 minutes."),
        ({"duration_minutes": "601"}, "Enter a duration between 1 and 600 minutes."),
        ({"kind": "party"}, "Not a valid choice"),
        ({"visibility": "public"}, "Not a valid choice"),
        ({"text": ""}, "Write the report."),
        ({"text": "x" * 50_001}, "Keep the report under 50000 characters."),
        ({"session_date": "1850-01-01"}, "Enter a date between 1900 and one year from today."),
    ],
)
def test_it_refuses_a_bad_report_and_saves_nothing(app, world, as_persona, changes, message):
    alice = as_persona("alice", lang="en")
    response = alice.post(f"/{ONE}/reports/client/{world.ids['carol']}/new", report_data(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalars(select(SessionReport)).first() is None


def test_it_keeps_every_version_and_shows_the_history_to_the_coach(app, world, as_persona):
    report_id = new_report(as_persona, world, text="First words.")
    alice = as_persona("alice", lang="en")
    response = alice.post(f"/{ONE}/reports/{report_id}/edit", report_data(text="Second words.", duration_minutes="45"))
    assert response.status_code == 303
    assert "Second words." in alice.get(f"/{ONE}/reports/{report_id}").get_data(as_text=True)

    history = alice.get(f"/{ONE}/reports/{report_id}/versions").get_data(as_text=True)
    assert "Version 1" in history and "Version 2" in history and "Alice Test" in history
    with app.app_context(), use_practice(world.practices[ONE]):
        first = db.session.scalars(select(ReportVersion).where(ReportVersion.number == 1)).one()
    old = alice.get(f"/{ONE}/reports/{report_id}/versions/{first.id}").get_data(as_text=True)
    assert "First words." in old and "60 minutes" in old
    assert events(app, world, "report.update")[0].detail == '{"fields": ["duration_minutes", "text"], "version": 2}'
    assert events(app, world, "report.history.read") and events(app, world, "report.version.read")


def test_it_does_not_make_a_version_when_nothing_changed(app, world, as_persona):
    report_id = new_report(as_persona, world)
    response = as_persona("alice", lang="en").post(f"/{ONE}/reports/{report_id}/edit", report_data())
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert len(db.session.scalars(select(ReportVersion)).all()) == 1


def test_it_shows_the_client_only_shared_reports(app, world, as_persona):
    private_id = new_report(as_persona, world, text="Private thoughts of the coach.")
    shared_id = new_report(as_persona, world, text="Shared summary.", visibility="shared")
    carol = as_persona("carol", lang="en")
    mine = carol.get(f"/{ONE}/reports/mine")
    assert mine.status_code == 200
    page = mine.get_data(as_text=True)
    assert f"/reports/{shared_id}" in page and f"/reports/{private_id}" not in page
    assert "My sessions" in page  # the menu entry
    shared = carol.get(f"/{ONE}/reports/{shared_id}")
    assert shared.status_code == 200 and "Shared summary." in shared.get_data(as_text=True)
    assert "/edit" not in shared.get_data(as_text=True)
    assert carol.get(f"/{ONE}/reports/{private_id}").status_code == 404
    assert carol.get(f"/{ONE}/reports/{shared_id}/edit").status_code == 403
    assert carol.get(f"/{ONE}/reports/{shared_id}/versions").status_code == 403


def test_it_hides_the_report_again_when_the_coach_makes_it_private(world, as_persona):
    report_id = new_report(as_persona, world, visibility="shared")
    as_persona("alice", lang="en").post(f"/{ONE}/reports/{report_id}/edit", report_data(visibility="private"))
    assert as_persona("carol", lang="en").get(f"/{ONE}/reports/{report_id}").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("admin", 403), ("eve", 302)],
)
def test_it_shows_a_shared_report_only_to_the_client_and_their_coach(world, as_persona, persona, status):
    report_id = new_report(as_persona, world, text="Only for us.", visibility="shared")
    response = as_persona(persona, lang="en").get(f"/{ONE}/reports/{report_id}")
    assert response.status_code == status
    assert ("Only for us." in response.get_data(as_text=True)) == (status == 200)


def test_it_sends_an_anonymous_visitor_to_sign_in(world, as_persona, visitor):
    report_id = new_report(as_persona, world)
    response = visitor.get(f"/{ONE}/reports/{report_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_does_not_let_another_coach_write_in_the_dossier(app, world, as_persona):
    bob = as_persona("bob", lang="en")
    assert bob.post(f"/{ONE}/reports/client/{world.ids['carol']}/new", report_data()).status_code == 404
    report_id = new_report(as_persona, world)
    assert bob.post(f"/{ONE}/reports/{report_id}/edit", report_data(text="Bob was here")).status_code == 404
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(SessionReport, report_id).text == report_data()["text"]


def test_it_renders_a_script_in_a_report_inert(world, as_persona):
    report_id = new_report(as_persona, world, text=XSS, visibility="shared")
    alice = as_persona("alice", lang="en")
    carol = as_persona("carol", lang="en")
    pages = [
        alice.get(f"/{ONE}/reports/{report_id}"),
        alice.get(f"/{ONE}/reports/{report_id}/edit"),
        carol.get(f"/{ONE}/reports/{report_id}"),
    ]
    alice.post(f"/{ONE}/reports/{report_id}/edit", report_data(text=XSS + " again", visibility="shared"))
    versions = alice.get(f"/{ONE}/reports/{report_id}/versions").get_data(as_text=True)
    first = versions.split("/versions/")[1].split('"')[0]
    pages.append(alice.get(f"/{ONE}/reports/{report_id}/versions/{first}"))
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_it_keeps_report_texts_encrypted_in_the_practice_file(app, world, as_persona, instance: Path):
    marker = f"marker-{secrets.token_hex(16)}"
    report_id = new_report(as_persona, world, text=marker)
    as_persona("alice", lang="en").post(f"/{ONE}/reports/{report_id}/edit", report_data(text=marker + "-2"))
    path = instance / "tenants" / f"{ONE}.sqlite"
    for raw in (path.read_bytes(), Path(f"{path}-wal").read_bytes()):
        assert marker.encode() not in raw
