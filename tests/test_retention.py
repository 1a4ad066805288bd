"""The retention job: its rules, its loop over practices, its record, its lease and its command."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import AccountToken, TokenPurpose
from app.extensions import db
from app.retention import rules as registry
from app.retention import special_data
from app.retention.models import JobLease, JobRun, RetentionReminder, RunOutcome
from app.retention.runs import record_run, take_lease
from app.retention.services import run_recorded, run_retention
from app.scheduler.runner import JOBS, build_scheduler, planned_after
from app.tenancy import services as tenancy
from app.tenancy.context import practice_engines, use_practice
from app.tenancy.models import Practice, PracticeStatus
from tests.conftest import PERSONAS

ONE, TWO = "praktijk-een", "praktijk-twee"
# praktijk-een's subscription ended on a leap day: its data goes on 28 February two years later.
ENDED = date(2024, 2, 29)
ERASE_ON = date(2026, 2, 28)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def ended(monkeypatch):
    """praktijk-een's subscription ended on ENDED; praktijk-twee's runs on."""
    ends = {ONE: ENDED}
    monkeypatch.setattr(special_data, "subscription_end", lambda slug: ends.get(slug))
    return ends


@pytest.fixture
def test_rule():
    """Register a rule for one test; it is removed afterwards."""
    added: list[str] = []

    def register(name, run, *, per_practice=True, order=15):
        registry.retention_rule(name, per_practice=per_practice, order=order)(run)
        added.append(name)

    yield register
    for name in added:
        registry._RULES.pop(name, None)


def _file(app, slug) -> Path:
    with app.app_context():
        return practice_engines().path_for(slug)


def _key_exists(app, slug) -> bool:
    with app.app_context():
        return app.extensions["koers_keystore"].exists(slug)


def _practice_row(app, slug) -> Practice:
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
        db.session.expunge(practice)
        return practice


def _expired_token(app, practice) -> None:
    with app.app_context(), use_practice(practice):
        user = accounts.list_users()[0]
        accounts.issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(days=-40))
        db.session.commit()


def _expired_tokens(app, practice) -> int:
    cutoff = datetime.now(UTC) - timedelta(days=30)
    with app.app_context(), use_practice(practice):
        return db.session.scalar(select(func.count()).select_from(AccountToken).where(AccountToken.expires_at < cutoff))


# --- special data, two years after the subscription ended ----------------------------------------


def test_it_counts_two_years_from_a_leap_day_to_the_28th_of_february():
    assert special_data.erasure_date(date(2024, 2, 29)) == date(2026, 2, 28)
    assert special_data.erasure_date(date(2024, 3, 31)) == date(2026, 3, 31)


def test_it_erases_a_practice_one_day_after_its_deadline_and_not_one_day_before(app, world, ended, mailbox):
    with app.app_context():
        before = run_retention(at(ERASE_ON - timedelta(days=1)))
    assert before.platform["practices.special_data"]["practices_erased"] == 0
    assert _file(app, ONE).exists() and _key_exists(app, ONE)
    assert _practice_row(app, ONE).status == PracticeStatus.ACTIVE

    with time_machine.travel(at(ERASE_ON + timedelta(days=1)), tick=False), app.app_context():
        report, _run = run_recorded()
    assert report.platform["practices.special_data"]["practices_erased"] == 1
    assert not _file(app, ONE).exists()
    assert not _key_exists(app, ONE)
    row = _practice_row(app, ONE)
    assert row.status == PracticeStatus.ERASED and row.erased_at == at(ERASE_ON + timedelta(days=1))
    # The other practice is untouched, and the erased one is left out of later runs.
    assert _file(app, TWO).exists() and _key_exists(app, TWO)
    with app.app_context():
        again = run_retention(at(ERASE_ON + timedelta(days=2)))
    assert ONE not in again.practices and again.outcome == RunOutcome.OK
    assert again.platform["practices.special_data"]["practices_erased"] == 0


def test_it_finishes_an_erasure_that_a_crash_cut_short(app, world, ended):
    # The file and key went, then the process died before the platform row was marked.
    with app.app_context():
        tenancy.remove_practice_files(ONE)
    assert _practice_row(app, ONE).status == PracticeStatus.ACTIVE
    with app.app_context():
        report = run_retention(at(ERASE_ON + timedelta(days=1)))
    assert report.platform["practices.special_data"]["practices_erased"] == 1
    assert _practice_row(app, ONE).status == PracticeStatus.ERASED
    # This run saw the file missing before the erasure finished; from then on the practice is left out.
    assert report.practices[ONE] == "skipped: missing file"
    with app.app_context():
        assert run_retention(at(ERASE_ON + timedelta(days=2))).outcome == RunOutcome.OK


def test_it_refuses_the_pages_of_an_erased_practice(app, world, ended, visitor):
    with app.app_context():
        run_retention(at(ERASE_ON + timedelta(days=1)))
    # As in a web process that had checked the file before the scheduler's process erased it.
    app.extensions["koers_current_schemas"].add(ONE)
    assert visitor.get(f"/{ONE}/login").status_code == 404


def test_it_reminds_the_admins_once_thirty_and_seven_days_before(app, world, ended, mailbox):
    admin = world.email("admin")
    with app.app_context():
        run_retention(at(ERASE_ON - timedelta(days=31)))
        assert mailbox.to(admin) == []
        first = run_retention(at(ERASE_ON - timedelta(days=30)))
        run_retention(at(ERASE_ON - timedelta(days=30), hour=18))
        run_retention(at(ERASE_ON - timedelta(days=20)))
    assert first.platform["practices.special_data"]["reminders_30_days"] == 1
    assert len(mailbox.to(admin)) == 1
    assert f"/{ONE}/exports/" in mailbox.last_link(admin)
    with app.app_context():
        run_retention(at(ERASE_ON - timedelta(days=7)))
        run_retention(at(ERASE_ON - timedelta(days=6)))
    assert len(mailbox.to(admin)) == 2
    # The coaches and the other practice hear nothing.
    assert mailbox.to(world.email("alice")) == [] and mailbox.to("admin@twee.test") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetentionReminder)) == 2


def test_it_writes_the_reminder_in_the_admins_language(app, world, ended, mailbox):
    with app.app_context(), use_practice(world.practices[ONE]):
        accounts.user_by_email(world.email("admin")).locale = "en"
        db.session.commit()
    with app.app_context():
        run_retention(at(ERASE_ON - timedelta(days=30)))
    message = mailbox.to(world.email("admin"))[0]
    assert "erased" in message["Subject"] and "28" in message["Subject"]


def test_it_counts_from_the_end_date_the_operator_set_in_the_console(app, world):
    from app.console import services as console
    from tests.route_access.console import make_operator

    operator_id = make_operator(app)
    with app.test_request_context():
        from app.console.models import Operator

        practice_id = _practice_row(app, TWO).id
        console.add_subscription(db.session.get(Operator, operator_id), practice_id, "Basis", 2500, date(2023, 1, 1), ENDED)
    with app.app_context():
        assert run_retention(at(ERASE_ON - timedelta(days=1))).platform["practices.special_data"]["practices_erased"] == 0
        assert run_retention(at(ERASE_ON + timedelta(days=1))).platform["practices.special_data"]["practices_erased"] == 1
    assert not _file(app, TWO).exists() and _practice_row(app, TWO).status == PracticeStatus.ERASED
    assert _file(app, ONE).exists()


# --- the loop: practice by practice, each in one transaction ---------------------------------------


def test_it_finishes_every_practice_on_a_rerun_after_a_failure_in_the_third_of_five(app, world, test_rule):
    with app.app_context():
        for n in (3, 4, 5):
            tenancy.create_practice(f"praktijk-{n}", f"Praktijk {n}", f"admin@{n}.test")
        practices = tenancy.list_practices()
    assert len(practices) == 5
    for practice in practices:
        _expired_token(app, practice)
    third = practices[2].slug
    crash = {"on": True}

    def flaky(now, dry_run):
        from app.tenancy.context import current_practice

        if crash["on"] and current_practice().slug == third:
            raise RuntimeError("boom with a secret@example.test in it")
        return {"checked": 1}

    test_rule("test.flaky", flaky)
    with app.app_context():
        first = run_retention()
    assert first.outcome == RunOutcome.PARTIAL
    assert first.practices[third] == "failed: RuntimeError in test.flaky"
    assert "secret" not in json.dumps(first.counts)
    # The third practice is untouched (its housekeeping rolled back with the failure), the others done.
    assert [_expired_tokens(app, p) for p in practices] == [0, 0, 1, 0, 0]

    crash["on"] = False
    with app.app_context():
        second = run_retention()
    assert second.outcome == RunOutcome.OK
    assert [_expired_tokens(app, p) for p in practices] == [0, 0, 0, 0, 0]
    assert second.practices[third]["housekeeping.links"]["tokens"] == 1
    assert all(second.practices[p.slug]["housekeeping.links"]["tokens"] == 0 for p in practices if p.slug != third)


def test_it_skips_a_practice_whose_file_is_missing_and_says_so(app, world):
    _file(app, TWO).rename(_file(app, TWO).with_suffix(".away"))
    with app.app_context():
        practice_engines().discard(TWO)
        report = run_retention()
    assert report.practices[TWO] == "skipped: missing file"
    assert report.outcome == RunOutcome.PARTIAL
    assert isinstance(report.practices[ONE], dict)


def test_it_changes_nothing_and_sends_nothing_in_a_dry_run(app, world, ended, mailbox):
    today = datetime.now(UTC).date()
    ended[ONE] = today.replace(year=today.year - 2, day=1) - timedelta(days=1)  # due a month ago
    for practice in world.practices.values():
        _expired_token(app, practice)
    with app.app_context():
        practice_engines().dispose_all()  # checkpoint the WAL, so the file holds everything
    before = {slug: _file(app, slug).read_bytes() for slug in world.practices}
    with app.app_context():
        report = run_retention(dry_run=True)
        practice_engines().dispose_all()
    # It says what it would do...
    assert report.platform["practices.special_data"]["practices_erased"] == 1
    assert report.practices[TWO]["housekeeping.links"]["tokens"] == 1
    # ...and does none of it.
    assert {slug: _file(app, slug).read_bytes() for slug in world.practices} == before
    assert _key_exists(app, ONE) and _practice_row(app, ONE).status == PracticeStatus.ACTIVE
    ended[ONE] = ENDED
    with app.app_context():
        preview = run_retention(at(ERASE_ON - timedelta(days=30)), dry_run=True)
        assert db.session.scalar(select(func.count()).select_from(RetentionReminder)) == 0
    assert preview.platform["practices.special_data"]["reminders_30_days"] == 1
    assert mailbox.messages == []


# --- only once: two schedulers started by mistake -------------------------------------------------------


def test_it_does_the_work_and_sends_the_reminders_once_when_two_processes_run_together(app, world, ended, mailbox, test_rule):
    test_rule("test.slow", lambda now, dry_run: time.sleep(0.3) or {}, per_practice=True, order=5)
    start = threading.Barrier(2)
    results: list[object] = []

    def scheduler() -> None:
        with app.app_context():
            start.wait()
            _report, run = run_recorded(at(ERASE_ON - timedelta(days=30)))
            results.append(run)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]  # one ran, one found the lease taken
    assert len(mailbox.to(world.email("admin"))) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1
        assert db.session.scalar(select(func.count()).select_from(JobLease)) == 0  # released


def test_it_records_a_reminder_once_even_when_two_runs_race_past_the_lease(app, world, ended, mailbox):
    start = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            start.wait()
            run_retention(at(ERASE_ON - timedelta(days=7)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mailbox.to(world.email("admin"))) == 1


def test_it_reminds_the_other_practices_when_one_has_lost_its_file(app, world, ended, mailbox):
    ended[TWO] = ENDED
    _file(app, TWO).rename(_file(app, TWO).with_suffix(".away"))
    with app.app_context():
        practice_engines().discard(TWO)
        report = run_retention(at(ERASE_ON - timedelta(days=30)))
    assert report.platform["practices.special_data"] == "failed: SpecialDataIncomplete"
    assert len(mailbox.to(world.email("admin"))) == 1  # praktijk-een was reminded all the same


def test_it_lets_a_lease_lapse_when_its_holder_died(app):
    with app.app_context():
        assert take_lease("retention.run", "host-a:1:x")
        assert not take_lease("retention.run", "host-b:2:y")
        lease = db.session.get(JobLease, "retention.run")
        lease.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert take_lease("retention.run", "host-b:2:y")


def test_it_renews_its_lease_during_a_long_run(app, world, test_rule):
    app.config["JOB_LEASE_MINUTES"] = 10
    seen: list[datetime] = []

    def slow(now, dry_run):
        with app.app_context():
            seen.append(db.session.get(JobLease, "retention.run").expires_at)
        return {}

    test_rule("test.seen", slow, order=5)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as traveller, app.app_context():
        def later(now, dry_run):
            traveller.shift(timedelta(minutes=6))  # more than half the lease passes per practice
            return {}

        test_rule("test.later", later, order=6)
        run_recorded()
    # The second practice saw a lease renewed after the first one's six minutes.
    assert seen[1] - seen[0] == timedelta(minutes=6)


# --- the record of runs -----------------------------------------------------------------------------------


def test_it_records_each_run_with_counts_and_no_personal_data(app, world):
    for practice in world.practices.values():
        _expired_token(app, practice)
    with app.app_context():
        run_recorded()
        row = db.session.scalars(select(JobRun)).one()
        assert row.job_id == "retention.run" and row.outcome == RunOutcome.OK and not row.dry_run
        assert row.finished_at >= row.started_at
        assert row.counts[ONE]["housekeeping.links"]["tokens"] == 1
        assert "practices.special_data" in row.counts["platform"]
        stored = row.counts_json
    for (_slug, _role, email, first, _coach) in PERSONAS.values():
        assert email not in stored and first not in stored


def test_it_records_a_job_that_fails_with_its_error_class_only(app):
    def broken():
        raise ValueError("carol@een.test")

    with app.app_context():
        run = record_run("test.broken", broken)
        assert run.outcome == RunOutcome.FAILED
        assert run.counts == {"error": "ValueError"}


def test_it_marks_a_run_whose_process_died_as_failed_when_the_job_runs_again(app, world):
    with app.app_context():
        db.session.add(JobRun(job_id="retention.run", started_at=datetime.now(UTC) - timedelta(days=1),
                              outcome=RunOutcome.RUNNING, dry_run=False, counts_json="{}"))
        db.session.commit()
        run_recorded()
        outcomes = [(r.outcome, r.counts) for r in db.session.scalars(select(JobRun).order_by(JobRun.id))]
    assert outcomes[0] == (RunOutcome.FAILED, {"error": "Interrupted"})
    assert outcomes[1][0] == RunOutcome.OK


def test_it_runs_an_overdue_job_at_start_and_a_recent_one_on_its_schedule(app):
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all([
            JobRun(job_id="retention.run", started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2),
                   outcome=RunOutcome.OK, dry_run=False, counts_json="{}"),
            JobRun(job_id="accounts.purge_expired_links", started_at=now - timedelta(minutes=10),
                   finished_at=now - timedelta(minutes=9), outcome=RunOutcome.OK, dry_run=False, counts_json="{}"),
        ])
        db.session.commit()
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert "retention.run" in jobs
        # The daily purge missed while the server was down runs at once...
        assert jobs["retention.run"].next_run_time <= datetime.now(UTC) + timedelta(seconds=5)
        # ...the hourly job that ran ten minutes ago waits for its hour, a job never run starts now.
        hourly = jobs["accounts.purge_expired_links"].next_run_time
        assert abs(hourly - (now + timedelta(minutes=50))) < timedelta(seconds=5)
        assert jobs["audit.anchor_chains"].next_run_time <= datetime.now(UTC) + timedelta(seconds=5)
    finally:
        scheduler.shutdown(wait=False)


def test_it_plans_the_retention_job_daily_at_half_past_two_utc():
    trigger = {job_id: trig for job_id, _job, trig in JOBS}["retention.run"]
    assert planned_after(trigger, datetime(2026, 5, 1, 3, 0, tzinfo=UTC)) == datetime(2026, 5, 2, 2, 30, tzinfo=UTC)
    assert planned_after(trigger, datetime(2026, 5, 1, 1, 0, tzinfo=UTC)) == datetime(2026, 5, 1, 2, 30, tzinfo=UTC)


# --- the command -------------------------------------------------------------------------------------------


def test_it_previews_and_runs_from_the_command_line(app, world, ended):
    _expired_token(app, world.practices[TWO])
    later = datetime.now(UTC).date() + timedelta(days=40)
    ended[ONE] = later.replace(year=later.year - 2, day=1) - timedelta(days=1)  # due in about a month
    runner = app.test_cli_runner()
    now = runner.invoke(args=["retention", "run", "--dry-run"])
    assert "practices_erased=0" in now.output
    preview = runner.invoke(args=["retention", "run", "--dry-run", "--as-of", later.isoformat()])
    assert preview.exit_code == 0, preview.output
    assert "dry run" in preview.output
    # In 40 days the unused invitations of both first admins will be old enough to go too.
    assert "practices_erased=1" in preview.output and f"{TWO} housekeeping.links: tokens=2" in preview.output
    assert _file(app, ONE).exists()
    only = runner.invoke(args=["retention", "run", "--practice", TWO])
    assert only.exit_code == 0, only.output
    assert f"{TWO} housekeeping.links: tokens=1" in only.output and ONE not in only.output
    assert _expired_tokens(app, world.practices[TWO]) == 0
    with app.app_context():
        runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert [r.dry_run for r in runs] == [True, True, False]


@pytest.mark.parametrize("args, message", [
    (["--as-of", "2030-01-01"], "--as-of only previews"),
    (["--dry-run", "--as-of", "1 March"], "YYYY-MM-DD"),
    (["--dry-run", "--as-of", "2030-02-30"], "YYYY-MM-DD"),
    (["--dry-run", "--practice", "no-such-practice"], "no practice"),
    (["--practice", "../etc"], "no practice"),
])
def test_it_refuses_bad_command_options_and_changes_nothing(app, world, args, message):
    result = app.test_cli_runner().invoke(args=["retention", "run", *args])
    assert result.exit_code == 1
    assert "Error:" in result.output and message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0


def test_it_records_every_scheduled_job_through_one_wrapper(app, world):
    from app.scheduler.jobs import run_job

    for job_id, job, _trigger in JOBS:
        if job_id != "retention.run":
            run_job(app, job_id, job)
    with app.app_context():
        runs = {run.job_id: run for run in db.session.scalars(select(JobRun))}
    assert set(runs) == {job_id for job_id, _job, _trigger in JOBS} - {"retention.run"}
    assert all(run.outcome == RunOutcome.OK and run.finished_at for run in runs.values())
    assert set(runs["accounts.purge_expired_links"].counts) == set(world.practices)


def test_it_lists_an_erased_practice_as_erased_and_leaves_it_out_of_every_loop(app, world, ended):
    with app.app_context():
        run_retention(at(ERASE_ON + timedelta(days=1)))
        assert [p.slug for p in tenancy.list_practices()] == [TWO]
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["practices", "list"])
    assert f"{ONE}\terased\tfile and data key destroyed" in listed.output
    migrated = runner.invoke(args=["practices", "migrate"])
    assert migrated.exit_code == 0 and ONE not in migrated.output
    assert not _file(app, ONE).exists()
