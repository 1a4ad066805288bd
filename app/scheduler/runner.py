"""Building the scheduler, and making sure only one runs per instance."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from app.scheduler.jobs import anchor_audit_chains, purge_expired_links, remove_expired_exports, run_job

# Fixed ids, so a restart replaces rather than duplicates a job.
JOBS: tuple[tuple[str, Callable[[], object], IntervalTrigger], ...] = (
    ("accounts.purge_expired_links", purge_expired_links, IntervalTrigger(hours=1, timezone=UTC)),
    ("audit.anchor_chains", anchor_audit_chains, IntervalTrigger(hours=1, timezone=UTC)),
    ("archive.remove_expired_exports", remove_expired_exports, IntervalTrigger(minutes=30, timezone=UTC)),
)


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
    """A scheduler with every Koers job; each also runs once at start to catch up."""
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
    )
    for job_id, job, trigger in JOBS:
        scheduler.add_job(
            run_job, trigger, args=[app, job_id, job], id=job_id, replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
    return scheduler
