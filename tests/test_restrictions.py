"""Restricted dossiers: readable for the coaches, closed to new special data, no e-mail, the UI says why; lifting."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.clients.models import ClientProfile
from app.exercises.models import Answer
from app.extensions import db
from app.goals.models import Goal
from app.journal.models import JournalEntry
from app.messages.models import Message
from app.notifications.models import Notification, NotificationKind
from app.notifications.services import notify
from app.programmes.models import Programme, ProgrammeStep
from app.reports.models import ReportVersion, SessionReport
from app.restrictions import guard
from app.restrictions import services as restrictions
from app.restrictions.models import Restriction, RestrictionReason
from app.restrictions.services import DossierRestricted
from app.tenancy.context import use_practice
from tests.conftest import ONE
from tests.test_exercises import add_question, assign, new_exercise, question_ids, save

P = f"/{ONE}"


def text(response) -> str:
    return response.get_data(as_text=True)


def restrict(app, world, persona: str = "carol", reason: str = RestrictionReason.OBJECTION) -> None:
    with app.app_context(), use_practice(world.practices[ONE]):
        restrictions.restrict(accounts.user_by_id(world.ids[persona]), reason, accounts.user_by_id(world.ids["admin"]))
        db.session.commit()


def count(app, world, model, **where) -> int:
    with app.app_context(), use_practice(world.practices[ONE]):
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def events(app, world, action: str) -> list[AuditEvent]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


JOURNAL = {"entry_date": "2026-03-02", "mood": "3", "text": "Written while restricted."}


# --- the guard, at the database ----------------------------------------------------------------


def test_it_finds_the_client_of_every_kind_of_special_data(app):
    tables = guard.guarded_tables()
    for table in ("journal_entries", "goals", "messages", "session_reports", "documents", "programmes",
                  "exercise_assignments", "assessment_assignments", "client_profiles"):
        assert tables.get(table, "missing") is None, table
    assert tables["exercise_answers"] == "exercise_assignments"
    assert tables["report_versions"] == "session_reports"
    assert tables["assessment_raters"] == "assessment_assignments"
    assert tables["programme_steps"] == "programmes"
    for table in ("users", "audit_events", "audit_changes", "restrictions", "data_requests", "notifications"):
        assert table not in tables, table


def _rows(client_id: int, report: SessionReport, programme: Programme) -> list[object]:
    return [
        JournalEntry(client_id=client_id, entry_date=date(2026, 3, 2), text="new"),
        Goal(client_id=client_id, title="A new goal", status="open"),
        Message(client_id=client_id, author_id=client_id, body="Hello"),
        ReportVersion(report_id=report.id, number=9, session_date=date(2026, 3, 2), duration_minutes=30,
                      kind=report.kind, visibility=report.visibility, text="child row"),
        ProgrammeStep(programme_id=programme.id, position=9, kind="info", title="child", body="row", unlock="always"),
    ]


def test_it_refuses_every_new_row_of_a_restricted_clients_dossier(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        carol_id = world.ids["carol"]
        report = SessionReport(client_id=carol_id, author_id=world.ids["alice"], session_date=date(2026, 3, 1),
                               duration_minutes=60, kind="coaching", visibility="private", text="before")
        programme = Programme(client_id=carol_id, title="Loopbaan", status="active", starts_on=date(2026, 3, 1))
        db.session.add_all([report, programme])
        db.session.commit()
        restrictions.restrict(accounts.user_by_id(carol_id), RestrictionReason.REQUEST, None)
        db.session.commit()
        report, programme = db.session.get(SessionReport, report.id), db.session.get(Programme, programme.id)
        for row in _rows(carol_id, report, programme):
            db.session.add(row)
            with pytest.raises(DossierRestricted) as refused:
                db.session.flush()
            assert refused.value.client_id == carol_id and refused.value.reason == RestrictionReason.REQUEST
            db.session.rollback()
            report, programme = db.session.get(SessionReport, report.id), db.session.get(Programme, programme.id)
        # dave is not restricted: the same rows for him are stored.
        dave_id = world.ids["dave"]
        db.session.add(JournalEntry(client_id=dave_id, entry_date=date(2026, 3, 2), text="fine"))
        db.session.commit()


def test_it_refuses_changes_to_special_data_but_allows_plain_columns_and_deletes(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        carol_id = world.ids["carol"]
        entry = JournalEntry(client_id=carol_id, entry_date=date(2026, 3, 2), text="kept")
        db.session.add(entry)
        db.session.commit()
        restrictions.restrict(accounts.user_by_id(carol_id), RestrictionReason.OBJECTION, None)
        db.session.commit()
        entry = db.session.get(JournalEntry, entry.id)
        entry.text = "changed"
        with pytest.raises(DossierRestricted):
            db.session.flush()
        db.session.rollback()
        profile = db.session.get(ClientProfile, carol_id) or ClientProfile(user_id=carol_id)
        profile.referral_notes = "changed"
        db.session.add(profile)
        with pytest.raises(DossierRestricted):
            db.session.flush()
        db.session.rollback()
        entry = db.session.get(JournalEntry, entry.id)
        entry.text = "kept"  # the same value is no change
        entry.entry_date = date(2026, 3, 3)  # a plain column
        db.session.commit()
        db.session.delete(db.session.get(JournalEntry, entry.id))  # erasure stays possible
        db.session.commit()
        assert db.session.get(JournalEntry, entry.id) is None


def test_it_can_be_suspended_for_a_whole_archive_import(app, world):
    restrict(app, world)
    with app.app_context(), use_practice(world.practices[ONE]):
        with guard.guard_suspended(db.session):
            db.session.add(JournalEntry(client_id=world.ids["carol"], entry_date=date(2026, 3, 2), text="imported"))
            db.session.commit()
        db.session.add(JournalEntry(client_id=world.ids["carol"], entry_date=date(2026, 3, 2), text="after"))
        with pytest.raises(DossierRestricted):
            db.session.flush()
        db.session.rollback()


# --- the guard, in the browser -----------------------------------------------------------------


def test_it_answers_409_to_a_journal_entry_and_stores_nothing(app, world, as_persona):
    restrict(app, world)
    carol = as_persona("carol", "en")
    response = carol.post(f"{P}/journal/new", JOURNAL)
    assert response.status_code == 409
    page = text(response)
    assert "Not saved: this dossier is restricted." in page
    assert "you objected to the processing of your data" in page
    assert count(app, world, JournalEntry, client_id=world.ids["carol"]) == 0
    fragment = carol.htmx("POST", f"{P}/journal/new", JOURNAL)
    assert fragment.status_code == 409 and "<html" not in text(fragment) and "restricted" in text(fragment)
    assert count(app, world, JournalEntry, client_id=world.ids["carol"]) == 0


def test_it_answers_409_to_an_exercise_autosave_and_stores_nothing(app, world, as_persona):
    alice, carol = as_persona("alice", "en"), as_persona("carol", "en")
    exercise_id = new_exercise(alice)
    assert add_question(alice, exercise_id, "short_text", "What do you want?").status_code == 200
    assignment_id = assign(alice, world, exercise_id)
    question_id = question_ids(app, world, exercise_id)["short_text"]
    assert save(carol, assignment_id, question_id, {"value": "before"}).status_code == 200
    restrict(app, world)
    response = save(carol, assignment_id, question_id, {"value": "after the restriction"})
    assert response.status_code == 409 and "this dossier is restricted" in text(response)
    with app.app_context(), use_practice(world.practices[ONE]):
        values = list(db.session.scalars(select(Answer.value).where(Answer.assignment_id == assignment_id)))
    assert values == ['"before"']  # stored as JSON


def test_it_shows_the_restricted_client_why_on_every_page(app, world, as_persona):
    carol = as_persona("carol", "en")
    assert "Your dossier is restricted" not in text(carol.get(f"{P}/me"))
    restrict(app, world)
    for url in (f"{P}/me", f"{P}/journal/", f"{P}/account"):
        page = text(carol.get(url))
        assert "Your dossier is restricted" in page and "you objected to the processing of your data" in page, url
    assert "Your dossier is restricted" not in text(as_persona("dave", "en").get(f"{P}/me"))


def test_after_withdrawal_the_coach_still_reads_the_dossier_sees_why_and_cannot_add(app, world, as_persona):
    alice = as_persona("alice", "en")
    assert alice.post(f"{P}/reports/client/{world.ids['carol']}/new", {
        "session_date": "2026-03-02", "duration_minutes": "60", "kind": "coaching",
        "visibility": "private", "text": "Before the withdrawal.",
    }).status_code == 303
    assert as_persona("carol", "en").post(f"{P}/consent/withdraw", {"confirm": "y"}).status_code == 303
    dossier = alice.get(f"{P}/clients/{world.ids['carol']}")
    assert dossier.status_code == 200
    page = text(dossier)
    assert "This dossier is restricted" in page and "the client withdrew their consent" in page
    with app.app_context(), use_practice(world.practices[ONE]):
        report_id = db.session.scalar(select(SessionReport.id).where(SessionReport.client_id == world.ids["carol"]))
    assert "Before the withdrawal." in text(alice.get(f"{P}/reports/{report_id}"))
    refused = alice.post(f"{P}/reports/client/{world.ids['carol']}/new", {
        "session_date": "2026-03-09", "duration_minutes": "60", "kind": "coaching",
        "visibility": "private", "text": "After the withdrawal.",
    })
    assert refused.status_code == 409
    assert "the client withdrew their consent" in text(refused) and "can still be read" in text(refused)
    assert count(app, world, SessionReport, client_id=world.ids["carol"]) == 1
    # Dave's dossier is not affected.
    assert "This dossier is restricted" not in text(as_persona("bob", "en").get(f"{P}/clients/{world.ids['dave']}"))


# --- no e-mail ---------------------------------------------------------------------------------


def test_it_mails_nothing_about_a_restricted_client_but_keeps_the_notice(app, world, mailbox):
    restrict(app, world)
    with app.app_context(), use_practice(world.practices[ONE]):
        carol, alice = accounts.user_by_id(world.ids["carol"]), accounts.user_by_id(world.ids["alice"])
        notify(carol, NotificationKind.FEEDBACK_GIVEN, f"/{ONE}/notifications/", actor=alice)
        notify(alice, NotificationKind.EXERCISE_SUBMITTED, f"/{ONE}/notifications/", actor=carol, about=carol)
        dave, bob = accounts.user_by_id(world.ids["dave"]), accounts.user_by_id(world.ids["bob"])
        notify(bob, NotificationKind.EXERCISE_SUBMITTED, f"/{ONE}/notifications/", actor=dave, about=dave)
        db.session.commit()
    assert mailbox.to("carol@een.test") == [] and mailbox.to("alice@een.test") == []
    assert len(mailbox.to("bob@een.test")) == 1
    assert count(app, world, Notification, user_id=world.ids["carol"]) == 1
    assert count(app, world, Notification, user_id=world.ids["alice"]) == 1


def test_it_mails_the_coach_nothing_when_a_restricted_client_hands_in(app, world, as_persona, mailbox):
    alice, carol = as_persona("alice", "en"), as_persona("carol", "en")
    exercise_id = new_exercise(alice)
    assert add_question(alice, exercise_id, "short_text", "What do you want?").status_code == 200
    assignment_id = assign(alice, world, exercise_id)
    assert save(carol, assignment_id, question_ids(app, world, exercise_id)["short_text"], {"value": "Calm"}).status_code == 200
    restrict(app, world)
    mailbox.clear()
    # Handing in changes no special data: allowed, and the coach sees it in the app only.
    assert carol.post(f"{P}/exercises/assignments/{assignment_id}/submit").status_code == 303
    assert mailbox.to("alice@een.test") == []
    with app.app_context(), use_practice(world.practices[ONE]):
        kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == world.ids["alice"])))
    assert NotificationKind.EXERCISE_SUBMITTED in kinds


# --- the practice admin ------------------------------------------------------------------------


def test_it_lists_restrictions_for_the_admin(app, world, as_persona):
    admin = as_persona("admin", "en")
    assert "No dossier is restricted." in text(admin.get(f"{P}/restrictions/"))
    restrict(app, world, reason=RestrictionReason.REQUEST)
    page = text(admin.get(f"{P}/restrictions/"))
    assert "Carol" in page and "the client asked for the processing of their data to be restricted" in page
    assert f"/consent/people/{world.ids['carol']}" in page


def test_the_admin_restricts_and_lifts_with_a_note_then_saving_works_again(app, world, as_persona):
    admin, carol = as_persona("admin", "en"), as_persona("carol", "en")
    carol_id = world.ids["carol"]
    assert admin.post(f"{P}/restrictions/clients/{carol_id}", {"reason": "objection"}).status_code == 303
    [started] = events(app, world, "restriction.started")
    assert started.subject_id == carol_id and started.actor_id == world.ids["admin"]
    assert carol.post(f"{P}/journal/new", JOURNAL).status_code == 409

    refused = admin.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": ""})
    assert refused.status_code == 422 and "Write down why the restriction is lifted." in text(refused)
    refused = admin.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": "   "})
    assert refused.status_code == 422
    note = "Objection handled in the meeting of 3 March."
    assert admin.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": note}).status_code == 303
    [lifted] = events(app, world, "restriction.lifted")
    assert lifted.subject_id == carol_id and note not in (lifted.detail or "")
    page = text(admin.get(f"{P}/consent/people/{carol_id}"))
    assert note in page and "The dossier is not restricted." in page

    assert carol.post(f"{P}/journal/new", JOURNAL).status_code == 303
    assert "Your dossier is restricted" not in text(carol.get(f"{P}/me"))
    # The note is encrypted at rest.
    path = app.extensions["koers_practice_engines"].path_for(ONE)
    with closing(sqlite3.connect(path)) as conn:
        stored = [bytes(row[0]) for row in conn.execute("SELECT lift_note FROM restrictions")]
    assert stored and not any(note.encode() in value for value in stored)


def test_it_refuses_bad_starts_and_lifts(app, world, as_persona):
    admin = as_persona("admin", "en")
    carol_id = world.ids["carol"]
    assert admin.post(f"{P}/restrictions/clients/{carol_id}", {"reason": "because"}).status_code == 422
    assert admin.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": "Nothing to lift."}).status_code == 409
    assert admin.post(f"{P}/restrictions/clients/{carol_id}", {"reason": "request"}).status_code == 303
    again = admin.post(f"{P}/restrictions/clients/{carol_id}", {"reason": "objection"})
    assert again.status_code == 409 and "already restricted" in text(again)
    too_long = admin.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": "x" * 2001})
    assert too_long.status_code == 422
    for user_id in (world.ids["alice"], 99999, 99999999999999999999):
        assert admin.post(f"{P}/restrictions/clients/{user_id}", {"reason": "request"}).status_code == 404
        assert admin.post(f"{P}/restrictions/clients/{user_id}/lift", {"note": "x"}).status_code == 404
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(select(func.count()).select_from(Restriction)) == 1


def test_only_the_practice_admin_restricts_or_lifts(app, world, as_persona):
    carol_id = world.ids["carol"]
    restrict(app, world)
    for persona in ("alice", "carol"):
        visitor = as_persona(persona)
        assert visitor.post(f"{P}/restrictions/clients/{carol_id}/lift", {"note": "Let me in."}).status_code == 403
        assert visitor.get(f"{P}/restrictions/").status_code == 403
    with app.app_context(), use_practice(world.practices[ONE]):
        assert restrictions.is_restricted(accounts.user_by_id(carol_id))


def test_restrict_is_idempotent_and_only_for_clients(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        first = restrictions.restrict(carol, RestrictionReason.REQUEST, None)
        assert restrictions.restrict(carol, RestrictionReason.OBJECTION, None).id == first.id
        with pytest.raises(ValueError):
            restrictions.restrict(accounts.user_by_id(world.ids["alice"]), RestrictionReason.REQUEST, None)
        with pytest.raises(ValueError):
            restrictions.restrict(carol, "whim", None)
        assert not restrictions.is_restricted(accounts.user_by_id(world.ids["alice"]))
        assert not restrictions.is_restricted(None)
