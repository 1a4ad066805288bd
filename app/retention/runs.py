"""The record of job runs and the lease that lets only one scheduler run a job at a time.

Every scheduled job and `flask retention run` go through `record_run()`: it takes the job's
lease in the platform store (a BEGIN IMMEDIATE transaction, so two processes, even on two
hosts sharing the platform store, cannot both take it), writes a `job_runs` row, runs the job,
stores its outcome and counts, and releases the lease. A process that finds a live lease held
by someone else skips that run and records nothing: the holder's run is the one on record.
Counts are numbers per practice slug and rule; error messages are never stored (they can carry
personal data), only the error's class name.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.retention.models import JobLease, JobRun, RunOutcome
from app.tenancy.sqlite import writing
from app.timeutil import utcnow

log = logging.getLogger(__name__)

DEFAULT_LEASE_MINUTES = 120
# The lease this thread's running job holds: (job id, holder, when it was last taken or renewed).
_held: ContextVar[tuple[str, str, datetime] | None] = ContextVar("koers_job_lease", default=None)


def new_holder() -> str:
    """This process's name for a lease: hostname:pid, plus a random part per run."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def lease_duration() -> timedelta:
    """How long a lease lives if its holder dies without releasing it."""
    return timedelta(minutes=int(current_app.config.get("JOB_LEASE_MINUTES", DEFAULT_LEASE_MINUTES)))


def take_lease(job_id: str, holder: str) -> bool:
    """Take the job's lease unless another holder has a live one; True when taken."""
    db.session.rollback()  # a transaction begun earlier would not be IMMEDIATE
    now = utcnow()
    with writing():
        lease = db.session.get(JobLease, job_id)
        if lease is not None and lease.holder != holder and lease.expires_at > now:
            db.session.rollback()
            return False
        if lease is None:
            db.session.add(JobLease(job_id=job_id, holder=holder, expires_at=now + lease_duration()))
        else:
            lease.holder, lease.expires_at = holder, now + lease_duration()
        db.session.commit()
    return True


def keep_lease() -> None:
    """Renew the running job's lease once half of it has passed (called between practices; commits).

    A long run so keeps its lease; without a running job this does nothing.
    """
    held = _held.get()
    if held is None:
        return
    job_id, holder, taken = held
    now = utcnow()
    if now - taken < lease_duration() / 2:
        return
    db.session.rollback()
    with writing():
        lease = db.session.get(JobLease, job_id)
        if lease is not None and lease.holder == holder:
            lease.expires_at = now + lease_duration()
        db.session.commit()
    _held.set((job_id, holder, now))


def release_lease(job_id: str, holder: str) -> None:
    """Give the lease back (only if still ours)."""
    db.session.rollback()
    with writing():
        db.session.execute(delete(JobLease).where(JobLease.job_id == job_id, JobLease.holder == holder))
        db.session.commit()


def outcome_of(results: Mapping[str, object]) -> str:
    """ok when nothing failed or was skipped, failed when nothing succeeded, else partial."""
    values: list[object] = []
    for value in results.values():  # one level down too: the platform rules' results
        nested = isinstance(value, dict) and any(isinstance(v, str) for v in value.values())
        values.extend(value.values() if nested else [value])  # type: ignore[union-attr]
    bad = [v for v in values if isinstance(v, str)]
    if not bad:
        return RunOutcome.OK
    return RunOutcome.FAILED if len(bad) == len(values) else RunOutcome.PARTIAL


def record_run(
    job_id: str, job: Callable[[], Mapping[str, object]], *, dry_run: bool = False,
    outcome: Callable[[Mapping[str, object]], str] = outcome_of,
) -> JobRun | None:
    """Run job under its lease and record the run; None when another process holds the lease.

    job returns counts per practice slug (or "platform"): a dict of numbers per kind, or a
    string "failed: ErrorClass" / "skipped: reason" where that part did not happen.
    """
    holder = new_holder()
    if not take_lease(job_id, holder):
        log.info("job %s skipped: another scheduler holds its lease", job_id)
        return None
    token = _held.set((job_id, holder, utcnow()))
    try:
        run = JobRun(job_id=job_id, started_at=utcnow(), dry_run=dry_run, outcome=RunOutcome.RUNNING, counts_json="{}")
        with writing():
            # We hold the lease, so a run of this job still marked running died with its process.
            db.session.execute(
                update(JobRun).where(JobRun.job_id == job_id, JobRun.outcome == RunOutcome.RUNNING)
                .values(outcome=RunOutcome.FAILED, counts_json=json.dumps({"error": "Interrupted"}))
            )
            db.session.add(run)
            db.session.commit()
        run_id = run.id
        try:
            results = dict(job())
            verdict = outcome(results)
        except Exception as error:  # noqa: BLE001 (a failed job is recorded, never a dead scheduler)
            db.session.rollback()
            log.error("job %s failed: %s", job_id, type(error).__name__)
            results, verdict = {"error": type(error).__name__}, RunOutcome.FAILED
        db.session.rollback()  # the job left no open transaction that IMMEDIATE would skip
        with writing():
            run = db.session.get(JobRun, run_id)
            run.finished_at, run.outcome = utcnow(), verdict
            run.counts_json = json.dumps(results, sort_keys=True, default=str)
            db.session.commit()
        log.info("job %s finished: %s", job_id, verdict)
        return run
    finally:
        _held.reset(token)
        release_lease(job_id, holder)


def last_run(job_id: str) -> JobRun | None:
    """The newest run of job (dry runs left out: they did nothing)."""
    return db.session.scalar(
        select(JobRun).where(JobRun.job_id == job_id, JobRun.dry_run.is_(False))
        .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
    )


def recent_runs(limit: int = 50) -> list[JobRun]:
    """The newest runs of every job."""
    return list(db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))


def last_started(job_id: str) -> datetime | None:
    run = last_run(job_id)
    return run.started_at if run else None
