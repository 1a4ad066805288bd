"""A client moves practices: the practice admin of praktijk-twee uploads carol's archive from praktijk-een."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.archive import services
from app.audit.models import AuditEvent
from app.documents.models import Document
from app.exercises.models import Answer, Assignment, Exercise
from app.extensions import db
from app.goals.models import Goal
from app.journal.models import JournalEntry
from app.messages.models import Message
from app.programmes.models import Programme
from app.reports.models import SessionReport
from app.tenancy.context import use_practice
from tests.conftest import ONE, PASSWORD, TWO, Visitor
from tests.test_archive import (
    CAROL_JOURNAL,
    PRIVATE_REPORT,
    fill_practice,
    read_archive,
)

IMPORT = f"/{TWO}/exports/import"


@pytest.fixture
def carol_archive(app, world, tmp_path) -> bytes:
    """Carol's own archive from praktijk-een, with everything of hers in it."""
    fill_practice(app, world)
    path = tmp_path / "carol.zip"
    with app.app_context(), use_practice(world.practices[ONE]):
        services.export_client(accounts.user_by_id(world.ids["carol"]), path)
        db.session.commit()
    return path.read_bytes()


@pytest.fixture
def twee_admin(app, world) -> Visitor:
    """The practice admin of praktijk-twee, signed in."""
    with app.app_context(), use_practice(world.practices[TWO]):
        admin = accounts.user_by_email("admin@twee.test")
        admin.first_name, admin.last_name = "Tanja", "Admin"
        accounts.set_password(admin, PASSWORD)
        db.session.commit()
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = visitor.post(f"/{TWO}/login", {"email": "admin@twee.test", "password": PASSWORD})
    assert response.status_code == 303
    return visitor


def upload(visitor: Visitor, data: bytes, coach: int = 0):
    return visitor.post(IMPORT, {"file": (io.BytesIO(data), "archive.zip"), "coach": str(coach)},
                        content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_it_moves_a_client_with_everything_of_hers_to_another_practice(app, world, carol_archive, twee_admin, mailbox):
    document, files = read_archive(carol_archive)
    response = upload(twee_admin, carol_archive, coach=world.ids["eve"])
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "has been imported" in twee_admin.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[TWO]):
        carol = accounts.user_by_email("carol@een.test")
        assert carol.role == Role.CLIENT and carol.password_hash is None
        assert [c.email for c in accounts.coaches_of(carol)] == ["eve@twee.test"]
        # Her records, with new ids, readable with this practice's key.
        entries = db.session.scalars(select(JournalEntry).where(JournalEntry.client_id == carol.id)).all()
        assert any(CAROL_JOURNAL in e.text for e in entries)
        assert len(entries) == len(document["records"]["journal_entries"])
        reports = db.session.scalars(select(SessionReport).where(SessionReport.client_id == carol.id)).all()
        assert reports and all(r.is_shared for r in reports) and all(PRIVATE_REPORT not in r.text for r in reports)
        assert all(r.author_id is None for r in reports)  # alice is not a person of this practice
        stored = db.session.scalars(select(Document).where(Document.client_id == carol.id)).all()
        original = document["records"]["documents"][0]
        assert [d.content for d in stored] == [files[original["file"]]]
        assignments = db.session.scalars(select(Assignment).where(Assignment.client_id == carol.id)).all()
        assert len(assignments) == len(document["records"]["exercise_assignments"])
        answers = db.session.scalar(select(func.count()).select_from(Answer).join(Assignment).where(
            Assignment.client_id == carol.id))
        assert answers == len(document["records"]["exercise_answers"])
        # The exercises she answered came along, out of this practice's library.
        assert all(e.archived_at is not None for e in db.session.scalars(select(Exercise)))
        programmes = {p.id for p in db.session.scalars(select(Programme).where(Programme.client_id == carol.id))}
        goal_programmes = {g.programme_id for g in db.session.scalars(select(Goal).where(Goal.client_id == carol.id))}
        assert goal_programmes - {None} <= programmes
        assert _count(Message) == len(document["records"]["messages"])
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive.imported"))
        assert event.subject_id == carol.id and event.actor_role == Role.PRACTICE_ADMIN
    assert mailbox.to("carol@een.test"), "the moved client is invited to set a password"


def test_it_refuses_a_client_whose_address_is_already_in_use_and_changes_nothing(app, world, carol_archive, twee_admin):
    assert upload(twee_admin, carol_archive).status_code == 303
    with app.app_context(), use_practice(world.practices[TWO]):
        before = (_count(User), _count(JournalEntry), _count(AuditEvent))
    again = upload(twee_admin, carol_archive)
    assert again.status_code == 422
    assert "already uses the e-mail address" in again.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[TWO]):
        assert (_count(User), _count(JournalEntry), _count(AuditEvent)) == before


def test_it_refuses_broken_and_whole_practice_archives_on_upload(app, world, carol_archive, twee_admin, tmp_path):
    with app.app_context(), use_practice(world.practices[ONE]):
        services.export_practice(tmp_path / "een.zip")
        db.session.commit()
    truncated = carol_archive[: len(carol_archive) // 3]
    with zipfile.ZipFile(io.BytesIO(carol_archive)) as package:
        names = [n for n in package.namelist() if n.startswith("documents/")]
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(carol_archive)) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name) + (b"!" if name in names else b""))
    with app.app_context(), use_practice(world.practices[TWO]):
        before = _count(User)
    for data, words in (
        (b"PK\x03\x04 not really", "not a ZIP file"),
        (truncated, "not a ZIP file, or it is incomplete"),
        (damaged.getvalue(), "does not match its checksum"),
        (Path(tmp_path / "een.zip").read_bytes(), "archive of a whole practice"),
    ):
        response = upload(twee_admin, data)
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[TWO]):
        assert _count(User) == before
        assert accounts.user_by_email("carol@een.test") is None


def test_it_refuses_an_upload_over_the_size_limit(app, world, carol_archive, twee_admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(twee_admin, carol_archive)
    assert response.status_code == 413
    with app.app_context(), use_practice(world.practices[TWO]):
        assert accounts.user_by_email("carol@een.test") is None


def test_it_asks_for_a_file(twee_admin):
    page = twee_admin.get(IMPORT).get_data(as_text=True)
    assert 'type="file"' in page and "No coach yet" in page
    refused = twee_admin.post(IMPORT, {"coach": "0"})
    assert refused.status_code == 422
    assert "Choose the archive to import." in refused.get_data(as_text=True)
