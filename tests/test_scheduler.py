"""The scheduler's jobs: fixed ids, UTC, and work done practice by practice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import AccountToken, TokenPurpose, UserSession
from app.extensions import db
from app.scheduler.jobs import purge_expired_links
from app.scheduler.runner import JOBS, SchedulerAlreadyRunning, acquire_lock, build_scheduler
from app.tenancy.context import use_practice
from app.timeutil import utcnow


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_it_removes_long_expired_links_and_ended_sessions_in_every_practice(app, world):
    with app.app_context():
        for slug in world.practices:
            with use_practice(world.practices[slug]):
                user = accounts.list_users()[0]
                accounts.issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(days=-40))
                accounts.issue_token(user, TokenPurpose.INVITATION, timedelta(days=7))
                secret = accounts.start_session(user, "test")
                accounts.end_session(secret, "logout")
                db.session.execute(
                    UserSession.__table__.update().values(ended_at=utcnow() - timedelta(days=31))
                )
                db.session.commit()
        outcome = purge_expired_links()
        assert set(outcome) == set(world.practices)
        for slug in world.practices:
            assert outcome[slug]["sessions"] == 1
            with use_practice(world.practices[slug]):
                # The fresh invitation stays; the reset link that expired 40 days ago is gone.
                purposes = db.session.scalars(select(AccountToken.purpose).where(AccountToken.used_at.is_(None))).all()
                assert TokenPurpose.INVITATION in purposes
                assert _count(UserSession) == 0


def test_it_runs_again_without_finding_more_work(app, world):
    with app.app_context():
        purge_expired_links()
        again = purge_expired_links()
    assert all(counts == {"tokens": 0, "sessions": 0} for counts in again.values())


def test_it_schedules_every_job_under_a_fixed_id_in_utc(app):
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {job_id for job_id, _job, _trigger in JOBS}
        assert str(scheduler.timezone) == "UTC"
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            # A run missed while the server was down is still done (within a day).
            assert job.misfire_grace_time >= 3600
    finally:
        scheduler.shutdown(wait=False)


def test_it_lets_only_one_scheduler_hold_the_instance(app):
    first = acquire_lock(app.instance_path)
    try:
        try:
            acquire_lock(app.instance_path)
        except SchedulerAlreadyRunning:
            pass
        else:
            raise AssertionError("a second scheduler could start")
    finally:
        first.close()
    acquire_lock(app.instance_path).close()
