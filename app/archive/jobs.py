"""Exports prepared in the background: a job row, a thread with its own practice, a file that expires.

The file is written under instance/exports/<slug>/ with a random name (owner-only), offered
to the person who asked for it until it expires (EXPORT_LINK_HOURS, 24 by default), and
removed as soon as it has been downloaded; the scheduler removes what expired or was left.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from flask import Flask, current_app, g
from sqlalchemy import select, update

from app.accounts.models import User
from app.archive.models import ExportJob, ExportScope, ExportStatus
from app.audit.models import AuditEvent
from app.audit.services import audit
from app.extensions import db
from app.tenancy.context import PracticeRef, current_practice, use_practice
from app.timeutil import utcnow
from app.web.i18n import mark

log = logging.getLogger(__name__)

DEFAULT_LINK_HOURS = 24
# A job still queued or running after this long died with its process.
STALE_AFTER = timedelta(hours=1)
RECENT = 5


class ExportGone(Exception):
    """The export's file can no longer be downloaded; message (to translate) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExportNotReady(Exception):
    """The export is still being prepared, or failed."""


def link_hours() -> int:
    """How long a finished export can be downloaded."""
    return int(current_app.config.get("EXPORT_LINK_HOURS", DEFAULT_LINK_HOURS))


def export_dir() -> Path:
    """The current practice's folder of export files (owner-only), made when needed."""
    folder = Path(current_app.instance_path) / "exports" / current_practice().slug
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    return folder


def state(job: ExportJob, now: datetime | None = None) -> str:
    """working, ready, downloaded, expired or failed: what the person sees."""
    now = now or utcnow()
    if job.is_active:
        return "working"
    if job.status == ExportStatus.FAILED:
        return "failed"
    if job.downloaded_at is not None:
        return "downloaded"
    if job.expires_at <= now:
        return "expired"
    return "ready"


def recent_jobs(person: User, limit: int = RECENT) -> list[ExportJob]:
    """The person's newest export jobs."""
    return list(db.session.scalars(
        select(ExportJob).where(ExportJob.requested_by_id == person.id).order_by(ExportJob.id.desc()).limit(limit)
    ))


def job_for(person: User, job_id: int) -> ExportJob | None:
    """The job if this person asked for it; None for anyone else's or an unknown id."""
    job = db.session.get(ExportJob, job_id)
    return job if job is not None and job.requested_by_id == person.id else None


def _subject(job: ExportJob) -> tuple[str, int | None]:
    return ("client", job.client_id) if job.scope == ExportScope.CLIENT else ("practice", None)


def start_export(requester: User, client: User | None, locale: str | None) -> ExportJob:
    """Queue an export of client (or of the practice) and start preparing it in the background; commits.

    An export of the same thing the person asked for less than STALE_AFTER ago and that is still
    being prepared is returned instead of starting a second one.
    """
    scope = ExportScope.CLIENT if client is not None else ExportScope.PRACTICE
    now = utcnow()
    same_subject = ExportJob.client_id == client.id if client is not None else ExportJob.client_id.is_(None)
    running = db.session.scalar(
        select(ExportJob).where(
            ExportJob.requested_by_id == requester.id, ExportJob.scope == scope, same_subject,
            ExportJob.status.in_(ExportStatus.ACTIVE), ExportJob.created_at > now - STALE_AFTER,
        ).limit(1)
    )
    if running is not None:
        return running
    job = ExportJob(
        requested_by_id=requester.id, scope=scope, client_id=client.id if client else None,
        status=ExportStatus.QUEUED, progress=0, locale=locale, created_at=now,
        expires_at=now + timedelta(hours=link_hours()),
    )
    db.session.add(job)
    db.session.flush()
    object_type, object_id = _subject(job)
    audit("archive.export_requested", object_type, object_id, actor=requester, detail={"job_id": job.id, "scope": scope})
    db.session.commit()
    launch(job.id)
    return job


_RUNNING: set[threading.Thread] = set()


def launch(job_id: int) -> threading.Thread:
    """Prepare the job in a thread with its own app context and practice."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run_in_thread, args=(app, current_practice(), job_id), name=f"koers-export-{job_id}", daemon=True
    )
    _RUNNING.add(thread)
    thread.start()
    return thread


def wait_for_exports(timeout: float = 30.0) -> None:
    """Let exports still being prepared in this process finish (before the databases close)."""
    for thread in list(_RUNNING):
        thread.join(timeout)


def _run_in_thread(app: Flask, practice: PracticeRef, job_id: int) -> None:
    try:
        with app.app_context():
            g.koers_origin = "job"
            with use_practice(practice):
                run_export_job(job_id)
    except Exception as error:  # noqa: BLE001 (a thread has nobody to raise to)
        # Even recording the failure failed; the cleanup job marks the export failed later.
        log.error("export job %s in practice %s ended without a record: %s", job_id, practice.slug, type(error).__name__)
    finally:
        _RUNNING.discard(threading.current_thread())


def _set_progress(job_id: int, percent: int) -> None:
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id).values(progress=percent))
    db.session.commit()


class ErasedDuringExport(Exception):
    """A client was erased while the export read the practice: its file may hold their data."""


def _erased_meanwhile(job: ExportJob, started: datetime) -> bool:
    """True when a client this export may hold was erased after it began reading."""
    erased = select(AuditEvent.subject_id).where(AuditEvent.action == "client.erased", AuditEvent.at >= started)
    if job.scope == ExportScope.CLIENT:
        erased = erased.where(AuditEvent.subject_id == job.client_id)
    return db.session.scalar(erased.limit(1)) is not None


def run_export_job(job_id: int) -> None:
    """Prepare a queued export in the current practice: write its file, keep its progress, finish or fail."""
    from app.archive import services

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != ExportStatus.QUEUED:
        return
    job.status, job.file_name = ExportStatus.RUNNING, f"{secrets.token_urlsafe(24)}.zip"
    db.session.commit()
    started = utcnow()
    path = export_dir() / job.file_name
    shown = [0]

    def progress(percent: int) -> None:
        if percent > shown[0]:
            shown[0] = percent
            _set_progress(job_id, min(percent, 99))

    try:
        requester = db.session.get(User, job.requested_by_id)
        if job.scope == ExportScope.CLIENT:
            client = db.session.get(User, job.client_id) if job.client_id is not None else None
            if client is None:
                raise LookupError("the client of this export no longer exists")
            services.export_client(client, path, actor=requester, locale=job.locale, progress=progress)
        else:
            services.export_practice(path, actor=requester, locale=job.locale, progress=progress)
        job = db.session.get(ExportJob, job_id)
        if _erased_meanwhile(job, started):
            raise ErasedDuringExport()
        now = utcnow()
        job.status, job.progress, job.finished_at = ExportStatus.DONE, 100, now
        job.expires_at = now + timedelta(hours=link_hours())
        db.session.commit()
    except Exception as error:  # noqa: BLE001 (any failure ends as a failed job, never a dead thread)
        db.session.rollback()
        # The error class only: messages can carry values from the practice's data.
        log.error("export job %s failed in practice %s: %s", job_id, current_practice().slug, type(error).__name__)
        path.unlink(missing_ok=True)
        db.session.execute(update(ExportJob).where(ExportJob.id == job_id).values(
            status=ExportStatus.FAILED, error=type(error).__name__[:80], finished_at=utcnow()))
        db.session.commit()


def take_download(person: User, job: ExportJob) -> tuple[IO[bytes], str]:
    """The export's file, opened, and the neutral name to offer; the file is removed from disk at once.

    The open handle keeps the content readable while it is sent; the job row stays as the
    record (downloaded_at). ExportGone when it was downloaded, expired or is missing; commits.
    """
    current = state(job)
    if current in ("working", "failed"):
        raise ExportNotReady()
    if current == "downloaded":
        raise ExportGone(mark("This export has already been downloaded, and its file has been removed. "
                              "Prepare a new export if you need it again."))
    path = export_dir() / job.file_name if job.file_name else None
    if current == "expired" or path is None or not path.exists():
        if path is not None:
            path.unlink(missing_ok=True)
        raise ExportGone(mark("This download link has expired and the file has been removed. "
                              "Prepare a new export."))
    handle = open(path, "rb")  # noqa: SIM115 (closed by the response once sent)
    path.unlink()
    job.downloaded_at = utcnow()
    object_type, object_id = _subject(job)
    audit("archive.downloaded", object_type, object_id, actor=person, detail={"job_id": job.id, "scope": job.scope})
    db.session.commit()
    return handle, f"koers-export-{job.created_at:%Y-%m-%d}.zip"


def remove_expired(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete the current practice's export files that expired, were downloaded or were left behind (commit after).

    Jobs still queued or running after STALE_AFTER died with their process and are marked failed.
    Safe to run again: what is gone stays gone. A dry run only counts (files cannot be rolled back).
    """
    now = now or utcnow()
    folder = export_dir()
    keep: set[str] = set()
    stale = 0
    for job in db.session.scalars(select(ExportJob).where(ExportJob.status != ExportStatus.FAILED)):
        if job.is_active and job.created_at <= now - STALE_AFTER:
            if not dry_run:
                job.status, job.error, job.finished_at = ExportStatus.FAILED, "Stale", now
            stale += 1
        elif job.file_name and (job.is_active or (job.downloaded_at is None and job.expires_at > now)):
            keep.update({job.file_name, f".{job.file_name}.part"})
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in keep:
            if not dry_run:
                path.unlink(missing_ok=True)
            removed += 1
    return {"files_removed": removed, "jobs_failed": stale}
