"""The retention rule "dossiers.expired": erase or anonymise at the due date, never a day early."""
from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from app.accounts.models import User
from app.assessments.models import AssessmentAssignment
from app.audit.models import AuditEvent
from app.audit.services import verify_chain
from app.dossiers import services
from app.dossiers.models import DossierPolicy
from app.dossiers.rule import expired_dossiers
from app.exercises.models import Answer, Assignment
from app.extensions import db
from app.privacy.models import PrivacySettings
from app.programmes.models import Programme, ProgrammeStatus
from app.retention.rules import rules
from app.tenancy.context import use_practice
from tests.conftest import ONE
from tests.test_erasure import fill_every_kind_of_record, marker_in_orm

ENDED = date(2026, 1, 31)
DUE = date(2026, 2, 28)  # one month after ENDED, clamped to the month's end
DAY_BEFORE = datetime(2026, 2, 27, 23, 59, tzinfo=UTC)
DAY_AFTER = datetime(2026, 3, 1, 0, 1, tzinfo=UTC)


def finished_client(app, world, mark: str, on_expiry: str = "erase") -> int:
    """A client with every kind of record holding mark, whose only programme ended on ENDED; kept 1 month."""
    client_id, _email, _name = fill_every_kind_of_record(app, world, mark)
    with app.app_context(), use_practice(world.practices[ONE]):
        for programme in db.session.scalars(select(Programme).where(Programme.client_id == client_id)):
            programme.status, programme.ended_on = ProgrammeStatus.FINISHED, ENDED
        db.session.get(PrivacySettings, 1).dossier_retention_months = 1
        db.session.get(DossierPolicy, 1).on_expiry = on_expiry
        db.session.commit()
    return client_id


def run_rule(app, world, now: datetime, dry_run: bool = False) -> dict[str, int]:
    """Run the rule as the retention framework does: inside the practice, committed after (rolled back when dry)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        counts = expired_dossiers(now, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return counts


def practice_file_bytes(app) -> bytes:
    path = Path(app.instance_path) / "tenants" / f"{ONE}.sqlite"
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_it_is_registered_as_a_per_practice_rule():
    [rule] = [r for r in rules() if r.name == "dossiers.expired"]
    assert rule.per_practice and rule.order == 20


def test_it_erases_nothing_the_day_before_and_everything_the_day_after(app, world):
    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert services.due_date(db.session.get(User, client_id)) == DUE

    assert run_rule(app, world, DAY_BEFORE)["dossiers_erased"] == 0
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, client_id) is not None
        assert "users.email" in marker_in_orm(mark)

    counts = run_rule(app, world, DAY_AFTER)
    assert counts == {"dossiers_erased": 1, "dossiers_restricted_skipped": 0}
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, client_id) is None
        assert marker_in_orm(mark) == []
        tombstone = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.erased"))
        assert (tombstone.subject_id, tombstone.actor_id, tombstone.actor_role) == (client_id, None, "system")
        assert json.loads(tombstone.detail)["by"] == "retention"
        assert verify_chain().ok
        # The other clients (no programme: not due for a year) are untouched.
        assert db.session.get(User, world.ids["carol"]) is not None
    assert mark.encode() not in practice_file_bytes(app)
    # A rerun finds nothing more to do.
    assert run_rule(app, world, DAY_AFTER)["dossiers_erased"] == 0


def test_it_changes_nothing_in_a_dry_run(app, world):
    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark, on_expiry="anonymise")
    with app.app_context(), use_practice(world.practices[ONE]):
        before = sorted(marker_in_orm(mark))
        users_before = db.session.scalar(select(func.count(User.id)))
    counts = run_rule(app, world, DAY_AFTER, dry_run=True)
    assert counts["dossiers_anonymised"] == 1
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, client_id) is not None
        assert sorted(marker_in_orm(mark)) == before
        assert db.session.scalar(select(func.count(User.id))) == users_before
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.in_(("client.erased", "client.anonymised")))) is None


def test_it_skips_a_restricted_dossier(app, world):
    from app.restrictions.services import restrict

    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark)
    with app.app_context(), use_practice(world.practices[ONE]):
        restrict(db.session.get(User, client_id), "request", None)
        db.session.commit()
    assert run_rule(app, world, DAY_AFTER) == {"dossiers_erased": 0, "dossiers_restricted_skipped": 1}
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, client_id) is not None


def test_it_waits_for_an_extension(app, world):
    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark)
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = db.session.get(User, world.ids["alice"])
        services.extend(db.session.get(User, client_id), alice, 6, "Complaint pending")
        db.session.commit()
    assert run_rule(app, world, DAY_AFTER)["dossiers_erased"] == 0
    assert run_rule(app, world, datetime(2026, 8, 31, tzinfo=UTC))["dossiers_erased"] == 1


def test_it_anonymises_keeping_answers_linked_to_no_identifiable_person(app, world):
    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark, on_expiry="anonymise")
    with app.app_context(), use_practice(world.practices[ONE]):
        answers = db.session.scalar(
            select(func.count(Answer.id)).join(Assignment).where(Assignment.client_id == client_id)
        )
        questionnaires = db.session.scalar(
            select(func.count(AssessmentAssignment.id)).where(AssessmentAssignment.client_id == client_id)
        )
        all_answers = db.session.scalar(select(func.count(Answer.id)))
        assert answers and questionnaires

    counts = run_rule(app, world, DAY_AFTER)
    assert counts == {"dossiers_anonymised": 1, "dossiers_restricted_skipped": 0,
                      "answers_kept": answers + questionnaires}

    with app.app_context(), use_practice(world.practices[ONE]):
        # The person is gone: no name, e-mail, phone, address, journal, messages, documents, reports,
        # coaches' feedback or notes, raters' names. Only the client's own answer text remains.
        assert db.session.get(User, client_id) is None
        assert marker_in_orm(mark) == ["exercise_answers.value"]
        assert db.session.scalar(select(func.count(Answer.id))) == all_answers
        # ... and the answers and results belong to the practice's anonymous account, which is no one.
        owners = set(db.session.scalars(select(Assignment.client_id)
                                        .where(Assignment.id.in_(select(Answer.assignment_id)))))
        owners |= set(db.session.scalars(select(AssessmentAssignment.client_id)))
        [shell] = [db.session.get(User, owner) for owner in owners]
        assert shell.role == services.ANONYMOUS_ROLE and shell.full_name == "Anonymous client"
        assert shell.email.startswith("anonymised-") and shell.email.endswith("@invalid")
        assert (shell.phone, shell.address, shell.password_hash, shell.active) == (None, None, None, False)
        assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.client_id == shell.id)) >= 1
        assert all(a.assigned_by_id is None and a.reviewed_by_id is None and a.overall_feedback is None
                   for a in db.session.scalars(select(Assignment).where(Assignment.client_id == shell.id)))
        # Nobody lists or opens it as a client.
        assert shell.id not in [d.client.id for d in services.due_within(10_000, DAY_AFTER)]
        tombstone = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.anonymised"))
        assert tombstone.subject_id == client_id and tombstone.actor_role == "system"
        assert json.loads(tombstone.detail)["by"] == "retention"
        assert verify_chain().ok
    # The answers are encrypted at rest; nothing of the person is left in plain text in the file.
    assert mark.encode() not in practice_file_bytes(app)


def test_it_keeps_the_anonymous_account_out_of_the_people_list_and_states_the_policy(app, world, as_persona):
    finished_client(app, world, "mrk" + secrets.token_hex(8), on_expiry="anonymise")
    assert run_rule(app, world, DAY_AFTER)["dossiers_anonymised"] == 1
    admin = as_persona("admin", lang="en")
    assert "Anonymous client" not in admin.get(f"/{ONE}/admin/people/").get_data(as_text=True)
    statement = admin.get(f"/{ONE}/privacy/").get_data(as_text=True)
    assert "answers to exercises and questionnaires are kept only without any link to a person" in statement


def test_it_runs_through_the_retention_job(app, world):
    from app.retention.services import run_retention

    mark = "mrk" + secrets.token_hex(8)
    client_id = finished_client(app, world, mark)
    with app.app_context():
        dry = run_retention(now=DAY_AFTER, dry_run=True, practice_slug=ONE)
        assert dry.practices[ONE]["dossiers.expired"]["dossiers_erased"] == 1
        with use_practice(world.practices[ONE]):
            assert db.session.get(User, client_id) is not None
        report = run_retention(now=DAY_AFTER, practice_slug=ONE)
        assert report.practices[ONE]["dossiers.expired"]["dossiers_erased"] == 1
        with use_practice(world.practices[ONE]):
            assert db.session.get(User, client_id) is None
            assert marker_in_orm(mark) == []


def test_it_keeps_the_anonymous_account_out_of_the_way_on_the_admins_pages(app, world, as_persona):
    mark = "mrk" + secrets.token_hex(8)
    finished_client(app, world, mark, on_expiry="anonymise")
    run_rule(app, world, DAY_AFTER)
    admin = as_persona("admin", lang="en")
    with app.test_request_context():
        from flask import url_for

        urls = [url_for(endpoint, practice=ONE) for endpoint in (
            "practice.people.index", "practice.privacy.audit_log", "practice.consent.people",
            "practice.restrictions.index", "practice.rights.index", "practice.archive.index", "practice.dossiers.due",
        )]
    for url in urls:
        assert admin.get(url).status_code == 200, url
    for coach in ("alice", "bob"):
        assert as_persona(coach).get(f"/{ONE}/clients/").status_code == 200
