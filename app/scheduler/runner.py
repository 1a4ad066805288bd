"""Building the scheduler, and making sure only one runs per instance."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from app.scheduler.jobs import (
    anchor_audit_chains,
    checkpoint_files,
    purge_expired_links,
    remove_expired_exports,
    run_daily_backup,
    run_job,
    run_retention_job,
)

# Fixed ids, so a restart replaces rather than duplicates a job. Links and export files are
# cleared often (an export holds a whole dossier); the retention job runs every rule once a day.
JOBS: tuple[tuple[str, Callable[[], object], BaseTrigger], ...] = (
    ("accounts.purge_expired_links", purge_expired_links, IntervalTrigger(hours=1, timezone=UTC)),
    ("audit.anchor_chains", anchor_audit_chains, IntervalTrigger(hours=1, timezone=UTC)),
    ("archive.remove_expired_exports", remove_expired_exports, IntervalTrigger(minutes=30, timezone=UTC)),
    ("retention.run", run_retention_job, CronTrigger(hour=2, minute=30, timezone=UTC)),
    # Automatic checkpoints are off (the WAL-reset bug): this keeps the -wal files short.
    ("sqlite.checkpoint", checkpoint_files, IntervalTrigger(minutes=5, timezone=UTC)),
    ("backup.daily", run_daily_backup, CronTrigger(hour=3, minute=0, timezone=UTC)),
)


def planned_after(trigger: BaseTrigger, last: datetime) -> datetime:
    """When trigger fires next after a run that started at last."""
    if isinstance(trigger, IntervalTrigger):
        return last + trigger.interval
    following = trigger.get_next_fire_time(None, last + timedelta(seconds=1))
    return following if following is not None else last


def first_run_time(job_id: str, trigger: BaseTrigger, now: datetime) -> datetime:
    """When a job first runs after the scheduler starts: at once if never run or overdue (a run
    missed while the server was down is caught up), else at its next planned time."""
    from app.retention.runs import (
        last_started,  # the job record lives in the platform store
    )

    last = last_started(job_id)
    if last is None:
        return now
    planned = planned_after(trigger, last)
    return max(now, planned)


def next_planned_runs(now: datetime) -> list[tuple[str, datetime | None, datetime, bool]]:
    """(job id, last start, next planned run, overdue) per job, for the console (needs an app context).

    Computed from the triggers and the recorded runs, as a starting scheduler would: the web
    process does not hold the scheduler. Overdue jobs run as soon as a scheduler starts.
    """
    from app.retention.runs import last_started

    rows = []
    for job_id, _job, trigger in JOBS:
        last = last_started(job_id)
        planned = now if last is None else planned_after(trigger, last)
        rows.append((job_id, last, max(planned, now), planned <= now))
    return rows


class SchedulerAlreadyRunning(RuntimeError):
    """Another process already runs the scheduler for this instance."""


def acquire_lock(instance_path: str) -> IO[str]:
    """Hold an exclusive lock on instance/scheduler.lock for the life of the process."""
    handle = open(Path(instance_path) / "scheduler.lock", "a+")  # noqa: SIM115 (held until exit)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SchedulerAlreadyRunning(instance_path) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def build_scheduler(app: Flask, blocking: bool) -> BaseScheduler:
    """A scheduler with every Koers job; a job never run or overdue runs once at start to catch up."""
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
    )
    now = datetime.now(UTC)
    with app.app_context():
        first = {job_id: first_run_time(job_id, trigger, now) for job_id, _job, trigger in JOBS}
    for job_id, job, trigger in JOBS:
        scheduler.add_job(
            run_job, trigger, args=[app, job_id, job], id=job_id, replace_existing=True,
            next_run_time=first[job_id],
        )
    return scheduler
