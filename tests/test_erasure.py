"""Erasing a client: everything of theirs goes in one transaction, with a tombstone; nothing lingers on disk."""
from __future__ import annotations

import html
import json
import secrets
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.accounts.models import User
from app.assessments import raters
from app.assessments import services as assessments
from app.audit.models import AuditChange, AuditEvent
from app.audit.services import verify_chain
from app.clients import services as clients
from app.demo.content import sample_pdf
from app.documents import services as documents
from app.exercises import builder
from app.exercises import services as exercises
from app.extensions import db
from app.goals import services as goals
from app.journal import services as journal
from app.journal.models import JournalEntry
from app.messages import services as messages
from app.notifications.models import Notification
from app.programmes import services as programmes
from app.reports import services as reports
from app.rights import erasure
from app.rights import services as rights
from app.rights.models import DataRequest
from app.tenancy.context import use_practice
from app.tenancy.models import PracticeModel
from tests.conftest import ONE, PASSWORD, Visitor

BASE = f"/{ONE}/requests"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def erase_url(world, persona_or_id) -> str:
    client_id = world.ids[persona_or_id] if isinstance(persona_or_id, str) else persona_or_id
    return f"{BASE}/erase/{client_id}"


def signed_out(visitor: Visitor) -> bool:
    """True when the visitor's session no longer works: a page of their own sends them to sign in."""
    response = visitor.get(f"{BASE}/mine")
    return response.status_code == 302 and f"/{ONE}/login" in response.headers["Location"]


def add_journal_entry(app, world, persona: str = "carol", words: str = "Secret diary words 123") -> None:
    with app.test_request_context(), use_practice(world.practices[ONE]):
        journal.create_entry(accounts.user_by_id(world.ids[persona]), {"entry_date": date.today(), "mood": 3, "text": words})
        db.session.commit()


def counts_of(app, world, persona: str) -> dict[str, int]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return erasure.erasure_counts(accounts.user_by_id(world.ids[persona]))


def exists(app, world, user_id: int) -> bool:
    with app.app_context(), use_practice(world.practices[ONE]):
        return db.session.get(User, user_id) is not None


# --- confirming ---------------------------------------------------------------------------------


def test_it_shows_what_will_be_deleted_as_counts_without_content(app, world, as_persona):
    add_journal_entry(app, world)
    page = text(as_persona("admin", lang="en").get(erase_url(world, "carol")))
    assert "Journal entries: 1" in page and "Secret diary" not in page
    assert "Type the client's full name to confirm" in page


@pytest.mark.parametrize("typed", ["", "Carol", "Dave Test", "Carol  Tes", "x" * 400])
def test_it_refuses_a_wrong_name_and_deletes_nothing(app, world, as_persona, typed):
    add_journal_entry(app, world)
    before = counts_of(app, world, "carol")
    response = as_persona("admin", lang="en").post(erase_url(world, "carol"), {"typed_name": typed})
    assert response.status_code == 422
    assert "Type the client's full name" in text(response)
    assert exists(app, world, world.ids["carol"]) and counts_of(app, world, "carol") == before


def test_it_accepts_the_name_in_any_case_with_stray_spaces(app, world, as_persona):
    # carol's full name is "Carol Test"
    response = as_persona("admin", lang="en").post(erase_url(world, "carol"), {"typed_name": "  carol   TEST "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{BASE}/")
    assert not exists(app, world, world.ids["carol"])


def test_it_answers_404_for_someone_who_is_not_a_client_or_not_there(app, world, as_persona):
    admin = as_persona("admin")
    for target in ("alice", "admin", 99999):
        assert admin.get(erase_url(world, target)).status_code == 404
        assert admin.post(erase_url(world, target), {"typed_name": "Alice Test"}).status_code == 404
    assert exists(app, world, world.ids["alice"])


def test_it_lets_only_the_practice_admin_erase(app, world, as_persona):
    for persona in ("alice", "carol"):
        assert as_persona(persona).post(erase_url(world, "carol"), {"typed_name": "Carol Test"}).status_code == 403
    assert exists(app, world, world.ids["carol"])


def test_it_links_to_the_erasure_from_the_people_page(app, world, as_persona):
    page = as_persona("admin").get(f"/{ONE}/admin/people/").get_data(as_text=True)
    assert f'href="{erase_url(world, "carol")}"' in page and f'href="{erase_url(world, "alice")}"' not in page


# --- what erasure does --------------------------------------------------------------------------------


def test_it_erases_the_client_from_a_request_and_keeps_the_request_as_proof_without_words(app, world, as_persona, mailbox):
    carol = as_persona("carol", lang="en")
    carol.post(f"{BASE}/new", {"kind": "erasure", "note": "Please remove me, my name is Carol"})
    assert not signed_out(carol)
    add_journal_entry(app, world, "dave", "Dave's own words")
    dave_before = counts_of(app, world, "dave")
    admin = as_persona("admin", lang="en")
    with app.app_context(), use_practice(world.practices[ONE]):
        request_id = db.session.scalar(select(DataRequest.id))
    detail = admin.get(f"{BASE}/{request_id}").get_data(as_text=True)
    assert f'href="{erase_url(world, "carol")}"' in detail
    mailbox.clear()

    assert admin.post(erase_url(world, "carol"), {"typed_name": "Carol Test"}).status_code == 303

    # The client can no longer sign in, and her open session is gone with her.
    assert signed_out(carol)
    assert Visitor(app.test_client()).post(
        f"/{ONE}/login", {"email": "carol@een.test", "password": PASSWORD}
    ).status_code != 303
    # The request stays, done, without the person or her words; nobody is mailed about it.
    with app.app_context(), use_practice(world.practices[ONE]):
        [kept] = db.session.scalars(select(DataRequest)).all()
        assert (kept.person_id, kept.status, kept.note, kept.identity_method) == (None, "done", None, None)
        assert kept.closed_at is not None
        tombstone = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.erased"))
        assert (tombstone.object_type, tombstone.object_id, tombstone.subject_id) == ("client", world.ids["carol"], world.ids["carol"])
        assert tombstone.actor_id == world.ids["admin"]
        counts = json.loads(tombstone.detail)["counts"]
        assert counts["coach_assignments"] == 1 and counts["user_sessions"] >= 1
        assert "Carol" not in tombstone.detail and "carol@" not in tombstone.detail
        done = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_request.done"))
        assert json.loads(done.detail) == {"by": "erasure"} and done.subject_id == world.ids["carol"]
        assert verify_chain().ok
    assert mailbox.to("carol@een.test") == []
    closed = admin.get(f"{BASE}/?show=closed").get_data(as_text=True)
    assert "(erased person)" in closed and "Done" in closed
    assert "(erased person)" in admin.get(f"{BASE}/{request_id}").get_data(as_text=True)
    # Other clients are untouched.
    assert counts_of(app, world, "dave") == dave_before and exists(app, world, world.ids["dave"])


def test_it_keeps_other_peoples_rows_that_only_point_at_the_client(app, world, as_persona):
    with app.test_request_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        messages.send(carol, carol, "Hello Alice")  # notifies alice, with carol as the actor
        db.session.commit()
    assert as_persona("admin").post(erase_url(world, "carol"), {"typed_name": "Carol Test"}).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        notices = list(db.session.scalars(select(Notification).where(Notification.user_id == world.ids["alice"])))
        assert [n.actor_id for n in notices] == [None]


# --- the marker test ----------------------------------------------------------------------------------


def fill_every_kind_of_record(app, world, mark: str) -> tuple[int, str, str]:
    """A client whose every record holds mark, made through the features' services; returns (id, e-mail, full name)."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        admin = accounts.user_by_id(world.ids["admin"])
        client = clients.create_client(alice, {
            "email": f"{mark}@example.test", "first_name": f"Fn{mark}", "last_name": f"Ln{mark}",
            "phone": f"06 {mark}", "address": f"{mark}straat 1", "date_of_birth": date(1990, 1, 2),
            "referral_notes": f"referred {mark}",
        }, [alice.id])
        accounts.set_password(client, PASSWORD)
        clients.correct_details(alice, client, {"address": f"{mark}laan 2", "phone": f"070 {mark}"})

        journal.create_entry(client, {"entry_date": date.today(), "mood": 4, "text": f"journal {mark}"})
        exercise = builder.create_exercise(alice, "Where do you stand?", "")
        question = builder.add_question(alice, exercise, MultiDict({"kind": "long_text", "prompt": "Tell me"}))
        assignment = exercises.assign_exercise(alice, client, exercise.id)
        exercises.save_answer(client, assignment, question, MultiDict({"value": f"answer {mark}"}), None)
        exercises.submit_assignment(client, assignment)
        exercises.save_feedback(alice, assignment, {question.id: f"feedback {mark}"}, f"overall {mark}", mark_reviewed=True)
        report = reports.create_report(alice, client, {
            "session_date": date.today(), "duration_minutes": 45, "kind": "coaching", "visibility": "shared",
            "text": f"report {mark}",
        })
        reports.update_report(alice, report, {
            "session_date": date.today(), "duration_minutes": 50, "kind": "coaching", "visibility": "shared",
            "text": f"report v2 {mark}",
        })
        goals.create_goal(client, client, {"title": f"goal {mark}", "description": f"why {mark}", "status": "open"})
        messages.send(client, client, f"message {mark}")
        messages.send(alice, client, f"reply {mark}")
        messages.read_thread(alice, client)
        documents.store_document(client, client, f"cv-{mark}.pdf", sample_pdf([f"CV of {mark}"]))
        questionnaire = assessments.assign(alice, client, "competency-self-assessment")
        instrument = assessments.instrument_of(questionnaire)
        assessments.save_answers(client, questionnaire, {f"a-{item.id}": "4" for item in instrument.items})
        assessments.submit(client, questionnaire)
        assessments.set_note(alice, questionnaire, f"interpretation {mark}")
        raters.invite(client, questionnaire, f"Rater {mark}", f"rater-{mark}@example.test", "colleague")
        programmes.start_programme(alice, client, {
            "title": f"programme {mark}", "notes": f"notes {mark}", "starts_on": date.today(),
            "planned_end_on": date.today() + timedelta(days=60), "status": "active",
        })
        rights.open_request(client, "access", "web", client, note=f"request {mark}")
        rights.open_request(client, "erasure", "email", admin, note=f"erase {mark}", identity_method=f"ID {mark}")
        refused = rights.open_request(client, "export", "phone", admin, note=f"export {mark}")
        rights.refuse(refused, admin, f"refused {mark}")
        _consent_and_restriction(client, admin, mark)
        db.session.commit()
        return client.id, client.email, client.full_name


def _consent_and_restriction(client: User, admin: User, mark: str) -> None:
    """Consent given and a restriction lifted with a note (the consent package, when present)."""
    try:
        from app.consent.services import give_consent
        from app.restrictions.services import lift, restrict
    except ImportError:
        return
    give_consent(client, "web", client)
    restrict(client, "request", admin)
    lift(client, admin, f"lifted {mark}")


def marker_in_orm(mark: str) -> list[str]:
    """Every practice table read through the models (so encrypted values are decrypted): where mark appears."""
    found = []
    for mapper in PracticeModel.registry.mappers:
        model = mapper.class_
        if not issubclass(model, PracticeModel):
            continue  # a platform model in the same registry
        rows = db.session.scalars(select(model)).all()
        for row in rows:
            for attr in inspect(model).column_attrs:
                value = getattr(row, attr.key)
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "ignore")
                if value is not None and mark in str(value).lower():
                    found.append(f"{model.__tablename__}.{attr.key}")
    return found


def files_with(folder: Path, mark: str) -> list[str]:
    needle = mark.encode()
    return [str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file() and needle in p.read_bytes().lower()]


def test_it_leaves_no_trace_of_the_client_in_the_practice_file_its_wal_or_an_export(app, world, as_persona, tmp_path):
    mark = "mrk" + secrets.token_hex(8)
    client_id, email, full_name = fill_every_kind_of_record(app, world, mark)
    client = Visitor(app.test_client())
    assert client.post(f"/{ONE}/login", {"email": email, "password": PASSWORD}).status_code == 303
    assert not signed_out(client)
    add_journal_entry(app, world, "carol", "carol keeps her words")

    instance = Path(app.instance_path)
    practice_file = instance / "tenants" / f"{ONE}.sqlite"
    wal = practice_file.with_name(practice_file.name + "-wal")
    with app.app_context(), use_practice(world.practices[ONE]):
        found_before = set(marker_in_orm(mark))
    # The test would prove nothing if the records were not there.
    for column in ("users.email", "users.phone", "users.address", "client_profiles.referral_notes",
                   "journal_entries.text", "exercise_answers.value", "exercise_answers.feedback",
                   "exercise_assignments.overall_feedback", "session_reports.text", "report_versions.text",
                   "goals.title", "messages.body", "documents.filename", "documents.content",
                   "assessment_assignments.note", "assessment_raters.name", "assessment_raters.email",
                   "programmes.title", "programmes.notes", "data_requests.note", "data_requests.identity_method",
                   "data_requests.refusal_reason", "audit_changes.before", "audit_changes.after"):
        assert column in found_before, f"the test did not put the marker in {column}"
    assert mark.encode() in practice_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    admin = as_persona("admin", lang="en")
    assert admin.post(erase_url(world, client_id), {"typed_name": f" {full_name.upper()} "}).status_code == 303

    # Not in the practice file, not in its write-ahead log, not anywhere in the instance folder.
    assert mark.encode() not in practice_file.read_bytes()
    assert not wal.exists() or mark.encode() not in wal.read_bytes()
    assert files_with(instance, mark) == []
    # Not in any row, read through the models with the practice's key.
    with app.app_context(), use_practice(world.practices[ONE]):
        assert marker_in_orm(mark) == []
        assert db.session.scalar(select(AuditChange.id).where(AuditChange.event_id.in_(
            select(AuditEvent.id).where(AuditEvent.subject_id == client_id)))) is None
        assert [e.subject_id for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client.erased"))] == [client_id]
        assert db.session.scalar(select(JournalEntry.text).where(JournalEntry.client_id == world.ids["carol"])) == "carol keeps her words"
        assert verify_chain().ok
    # The client's session is gone, and she cannot sign in again.
    assert signed_out(client)
    assert Visitor(app.test_client()).post(f"/{ONE}/login", {"email": email, "password": PASSWORD}).status_code != 303

    # Not in a later export of the whole practice.
    try:
        from app.archive.services import export_practice
    except ImportError:
        pytest.skip("the practice export is not built (yet); file, WAL and rows were checked")
    archive = tmp_path / "practice.zip"
    with app.test_request_context(), use_practice(world.practices[ONE]):
        export_practice(archive)
        db.session.commit()
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        assert names, "the export is empty"
        leaked = [name for name in names if mark in name.lower() or mark.encode() in bundle.read(name).lower()]
    assert leaked == []
    assert "carol keeps her words" in "".join(
        zipfile.ZipFile(archive).read(n).decode("utf-8", "ignore") for n in names if n.endswith(".json")
    )


def test_it_removes_waiting_export_files_that_may_hold_the_client(app, world, as_persona):
    from app.archive.jobs import export_dir
    from app.archive.models import ExportJob
    from app.timeutil import utcnow

    files = {}
    with app.test_request_context(), use_practice(world.practices[ONE]):
        folder = export_dir()
        for key, scope, client in (("carol", "client", "carol"), ("practice", "practice", None), ("dave", "client", "dave")):
            name = f"{secrets.token_urlsafe(12)}.zip"
            (folder / name).write_bytes(b"PK export of " + key.encode())
            db.session.add(ExportJob(
                requested_by_id=world.ids["admin"], scope=scope, client_id=world.ids[client] if client else None,
                status="done", progress=100, file_name=name, expires_at=utcnow() + timedelta(hours=24),
            ))
            files[key] = folder / name
        db.session.commit()
    assert as_persona("admin").post(erase_url(world, "carol"), {"typed_name": "Carol Test"}).status_code == 303
    assert not files["carol"].exists() and not files["practice"].exists()
    assert files["dave"].exists()


def test_it_never_gives_an_erased_clients_id_to_someone_new(app, world):
    with app.test_request_context(), use_practice(world.practices[ONE]):
        dave = accounts.user_by_id(world.ids["dave"])  # the newest person of praktijk-een
        erasure.erase_client(dave, accounts.user_by_id(world.ids["admin"]), "Dave Test")
        newcomer = accounts.create_user("client", "new@een.test", "New", "Person")
        db.session.commit()
        assert newcomer.id != world.ids["dave"]
