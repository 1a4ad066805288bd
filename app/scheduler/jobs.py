"""The recurring jobs, each working practice by practice, and the one loop they share."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g

from app.accounts.services import purge_expired
from app.archive.jobs import remove_expired
from app.audit.services import anchor_chain
from app.extensions import db
from app.tenancy.context import PracticeRef, use_practice
from app.tenancy.models import PracticeStatus
from app.tenancy.services import PracticeFileMissing, list_practices, pending_migrations

log = logging.getLogger(__name__)

Counts = dict[str, int]


def unavailable(practice: PracticeRef) -> str | None:
    """Why a job cannot work in practice now ("missing file", "pending migrations"), or None."""
    try:
        if pending_migrations(practice.slug):
            return "pending migrations"
    except PracticeFileMissing:
        return "missing file"
    return None


def for_each_practice(
    work: Callable[[], Any], *, dry_run: bool = False, practices: Iterable[PracticeRef] | None = None,
) -> dict[str, Any]:
    """Run work in every practice, each in its own transaction; one failure does not stop the rest.

    The transaction is committed after work returns, or rolled back when dry_run or when work
    raises; the result per slug is what work returned, "failed: ErrorClass" or "skipped: why".
    Practices whose special data was erased are left out; a missing file or pending migrations
    skip the practice (reported, so a run with skips is "partial"). The retention job uses this
    loop too (app/retention/services.py).
    """
    # Imported here: the run record (app/retention) imports this module's callers.
    from app.retention.runs import keep_lease

    results: dict[str, Any] = {}
    for practice in list_practices() if practices is None else practices:
        if practice.status == PracticeStatus.ERASED:
            continue
        keep_lease()  # a long run keeps its lease, so no second scheduler starts it again
        why = unavailable(practice)
        if why:
            log.error("job skipped practice %s: %s", practice.slug, why)
            results[practice.slug] = f"skipped: {why}"
            continue
        with use_practice(practice):
            try:
                outcome = work()
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
                results[practice.slug] = outcome
            except Exception as error:  # noqa: BLE001 (one practice must not stop the others)
                db.session.rollback()
                # The error class only: messages can carry values from the practice's data.
                summary = getattr(error, "summary", type(error).__name__)
                log.error("job step failed in practice %s: %s", practice.slug, summary)
                results[practice.slug] = f"failed: {summary}"
    return results


def purge_expired_links() -> dict[str, Counts | str]:
    """Remove expired or used one-time links and long-ended sessions in every practice."""
    return for_each_practice(purge_expired)


def anchor_audit_chains() -> dict[str, Counts | str]:
    """Record every practice's newest audit event outside its file."""
    return for_each_practice(anchor_chain)


def remove_expired_exports() -> dict[str, Counts | str]:
    """Delete export files whose link expired, that were downloaded or left behind, in every practice."""
    return for_each_practice(remove_expired)


def run_retention_job() -> dict[str, Any]:
    """The daily retention job: every retention rule (app/retention/rules.py)."""
    from app.retention.services import (
        run_retention,  # the retention package imports this module
    )

    return run_retention(dry_run=False).counts


def run_daily_backup() -> dict[str, int]:
    """The daily backup: an encrypted archive of every store, older scheduled ones pruned (app/backup)."""
    from app.backup.services import daily_backup

    return daily_backup()


def checkpoint_files() -> dict[str, Counts | str]:
    """Copy the write-ahead log of every practice file and of the platform store into the file,
    under the file's write lock (app/tenancy/sqlite.py checkpoint), so no log grows without bound."""
    from flask import current_app

    from app.tenancy.context import current_practice
    from app.tenancy.services import existing_file, platform_path
    from app.tenancy.sqlite import checkpoint

    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"]

    def frames(done: Any) -> Counts:
        return {"log_frames": done.log_frames, "checkpointed": done.checkpointed, "busy": int(done.busy)}

    results: dict[str, Counts | str] = for_each_practice(
        lambda: frames(checkpoint(existing_file(current_practice().slug), timeout))
    )
    results["platform"] = frames(checkpoint(platform_path(), timeout))  # a reserved slug: no practice has it
    return results


def run_job(app: Flask, job_id: str, job: Callable[[], Any]) -> None:
    """Run job with an app context, under its lease, recorded in job_runs, marked as job work in the audit log."""
    from app.retention.runs import record_run

    with app.app_context():
        g.koers_origin = "job"
        record_run(job_id, job)
