"""Rule "housekeeping.links": old rater links and export files go with the other expired links."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.archive.jobs import export_dir
from app.assessments import raters
from app.assessments import services as assessments
from app.assessments.models import AssessmentRater
from app.audit.models import AuditEvent
from app.extensions import db
from app.retention.services import run_retention
from app.tenancy.context import use_practice
from app.timeutil import utcnow

ONE = "praktijk-een"


def _raters(app, world) -> dict[str, int]:
    """Three raters of carol's competency questionnaire: unanswered, answered, and a fresh one."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        assignment = assessments.assign(alice, carol, "competency-self-assessment")
        ids = {}
        for name in ("silent", "answered", "fresh"):
            rater, _token = raters.invite(alice, assignment, f"Rater {name}", f"{name}@example.test", "colleague")
            ids[name] = rater.id
        db.session.flush()
        old = utcnow() - timedelta(days=45)
        for name in ("silent", "answered"):
            rater = db.session.get(AssessmentRater, ids[name])
            rater.expires_at = old
        db.session.get(AssessmentRater, ids["answered"]).submitted_at = old - timedelta(days=1)
        db.session.commit()
        return ids


def test_it_removes_unanswered_rater_links_a_month_after_expiry_and_deletes_names_of_answered_ones(app, world):
    ids = _raters(app, world)
    with app.app_context():
        day_before = run_retention(utcnow() - timedelta(days=16), dry_run=False, practice_slug=ONE)
    assert day_before.practices[ONE]["housekeeping.links"]["rater_links_removed"] == 0
    with app.app_context():
        report = run_retention(practice_slug=ONE)
    counts = report.practices[ONE]["housekeeping.links"]
    assert counts["rater_links_removed"] == 1 and counts["rater_names_deleted"] == 1
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(AssessmentRater, ids["silent"]) is None
        answered = db.session.get(AssessmentRater, ids["answered"])
        assert answered.name is None and answered.email is None and answered.submitted_at is not None
        fresh = db.session.get(AssessmentRater, ids["fresh"])
        assert fresh.name == "Rater fresh"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.rater_links_expired")).one()
        assert "Rater" not in (event.detail or "") and "example.test" not in (event.detail or "")
        assert event.origin in {"job", "cli"}


def test_it_counts_old_export_files_in_a_dry_run_and_removes_them_in_a_real_one(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        leftover = export_dir() / "koers-export-left-behind.zip"
        leftover.write_bytes(b"PK")
    with app.app_context():
        preview = run_retention(dry_run=True, practice_slug=ONE)
    assert preview.practices[ONE]["housekeeping.links"]["export_files_removed"] == 1
    assert leftover.exists()
    with app.app_context():
        report = run_retention(practice_slug=ONE)
    assert report.practices[ONE]["housekeeping.links"]["export_files_removed"] == 1
    assert not leftover.exists()


def test_it_removes_console_sessions_over_thirty_days_old_and_keeps_them_in_a_dry_run(app):
    from app.console.models import OperatorSession
    from tests.route_access.console import make_operator

    operator_id = make_operator(app)
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            OperatorSession(operator_id=operator_id, token_hash="a" * 64, created_at=now - timedelta(days=40),
                            last_seen_at=now - timedelta(days=31), ended_at=now - timedelta(days=31)),
            OperatorSession(operator_id=operator_id, token_hash="b" * 64, created_at=now, last_seen_at=now),
        ])
        db.session.commit()
        assert run_retention(now, dry_run=True).platform["housekeeping.console_sessions"] == {"console_sessions": 1}
        assert db.session.scalar(select(db.func.count(OperatorSession.id))) == 2
        assert run_retention(now).platform["housekeeping.console_sessions"] == {"console_sessions": 1}
        assert list(db.session.scalars(select(OperatorSession.token_hash))) == ["b" * 64]
