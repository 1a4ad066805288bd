"""Routes of the archive package: exports, their progress and downloads, and the import."""
from __future__ import annotations

from datetime import timedelta

from app.accounts import services as accounts
from app.archive.jobs import run_export_job
from app.archive.models import ExportJob, ExportScope, ExportStatus
from app.extensions import db
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.route_access import Route, for_roles

ONE = "praktijk-een"


def finished_export(requester_id: int, client_id: int | None) -> int:
    """An export job prepared to the end (in the current practice), as the background thread does it."""
    now = utcnow()
    job = ExportJob(
        requested_by_id=requester_id, scope=ExportScope.CLIENT if client_id else ExportScope.PRACTICE,
        client_id=client_id, status=ExportStatus.QUEUED, progress=0, locale="en", created_at=now,
        expires_at=now + timedelta(hours=24),
    )
    db.session.add(job)
    db.session.commit()
    run_export_job(job.id)
    return job.id


def setup(app, world) -> dict[str, int]:
    """Carol's export of her own data, downloaded already, and the admin's practice export, expired.

    (A download itself answers with ZIP bytes, which the walker cannot read as a page; the
    downloads are tested in tests/test_archive_jobs.py. Here: who gets an answer at all.)
    """
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        admin = accounts.user_by_id(world.ids["admin"])
        ids = {
            "carol": carol.id,
            "alice": world.ids["alice"],
            "carol_job": finished_export(carol.id, carol.id),
            "admin_job": finished_export(admin.id, None),
        }
        db.session.get(ExportJob, ids["carol_job"]).downloaded_at = utcnow()
        db.session.get(ExportJob, ids["admin_job"]).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        return ids


def only(persona: str, status: int) -> dict[str, int]:
    """Only persona gets status; everyone else in the practice 404 (the job is not theirs)."""
    expect = {name: 404 for name in ("alice", "bob", "carol", "dave", "admin")}
    return {**expect, persona: status, "eve": 302, "anonymous": 302}


ROUTES = [
    Route("practice.archive.mine", expect=for_roles(403, 200, 403)),
    Route("practice.archive.index", expect=for_roles(403, 403, 200)),
    Route("practice.archive.import_archive", expect=for_roles(403, 403, 200)),
    Route("practice.archive.client_export", values=lambda ids: {"client_id": ids["carol"]},
          expect=for_roles(403, 403, 200)),
    Route("practice.archive.client_export", values=lambda ids: {"client_id": ids["alice"]},
          expect=for_roles(403, 403, 404)),
    Route("practice.archive.job", values=lambda ids: {"job_id": ids["carol_job"]}, expect=only("carol", 200)),
    Route("practice.archive.job", values=lambda ids: {"job_id": ids["admin_job"]}, expect=only("admin", 200)),
    Route("practice.archive.job", values=lambda ids: {"job_id": 999_999}, expect=only("admin", 404)),
    Route("practice.archive.download", values=lambda ids: {"job_id": ids["carol_job"]}, expect=only("carol", 410)),
    Route("practice.archive.download", values=lambda ids: {"job_id": ids["admin_job"]}, expect=only("admin", 410)),
    Route("practice.archive.mine", "POST", expect=for_roles(403, 303, 403)),
    Route("practice.archive.client_export", "POST", values=lambda ids: {"client_id": ids["carol"]},
          expect=for_roles(403, 403, 303)),
    Route("practice.archive.client_export", "POST", values=lambda ids: {"client_id": ids["alice"]},
          expect=for_roles(403, 403, 404)),
    Route("practice.archive.practice_export", "POST", expect=for_roles(403, 403, 303)),
    Route("practice.archive.import_archive", "POST", expect=for_roles(403, 403, 422)),
]
