"""Exports in the background: progress, a download that works once for its requester only, expiry, clean-up."""
from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.archive import jobs
from app.archive.models import ExportJob, ExportStatus
from app.audit.models import AuditEvent
from app.extensions import db
from app.scheduler.jobs import remove_expired_exports
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import ONE
from tests.route_access.archive import finished_export
from tests.test_archive import CAROL_JOURNAL, fill_practice, read_archive

BASE = f"/{ONE}/exports"


def export_dir(app) -> Path:
    return Path(app.instance_path) / "exports" / ONE


def wait_for(app, world, job_id: int, timeout: float = 30) -> ExportJob:
    """The job once its background thread finished it."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context(), use_practice(world.practices[ONE]):
            job = db.session.get(ExportJob, job_id)
            db.session.expunge(job)
        if not job.is_active or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def newest_job(app, world) -> ExportJob:
    with app.app_context(), use_practice(world.practices[ONE]):
        job = db.session.scalar(select(ExportJob).order_by(ExportJob.id.desc()).limit(1))
        db.session.expunge(job)
        return job


def test_it_prepares_a_clients_export_in_the_background_and_hands_it_over_once(app, world, as_persona):
    fill_practice(app, world)
    carol = as_persona("carol", "en")
    started = carol.post(f"{BASE}/mine")
    assert started.status_code == 303
    job = wait_for(app, world, newest_job(app, world).id)
    assert job.status == ExportStatus.DONE and job.progress == 100
    # The file: a random name, readable by its owner only, nothing personal in name or URL.
    path = export_dir(app) / job.file_name
    assert path.exists() and os.stat(path).st_mode & 0o777 == 0o600
    assert "carol" not in job.file_name.lower() and "carol" not in f"{BASE}/jobs/{job.id}/download"

    fragment = carol.htmx("GET", f"{BASE}/jobs/{job.id}").get_data(as_text=True)
    assert f'href="{BASE}/jobs/{job.id}/download"' in fragment and "hx-get" not in fragment

    download = carol.get(f"{BASE}/jobs/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"koers-export-{job.created_at:%Y-%m-%d}.zip" in disposition
    document, files = read_archive(download.get_data())
    assert document["subject"]["email"] == "carol@een.test"
    assert CAROL_JOURNAL in files["index.html"].decode()
    assert not path.exists(), "the file is removed once it has been sent"

    again = carol.get(f"{BASE}/jobs/{job.id}/download")
    assert again.status_code == 410
    assert "already been downloaded" in again.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("archive.%"))).all()
        assert [(e.action, e.subject_id) for e in events] == [
            ("archive.export_requested", world.ids["carol"]),
            ("archive.exported", world.ids["carol"]),
            ("archive.downloaded", world.ids["carol"]),
        ]
        assert db.session.get(ExportJob, job.id).downloaded_at is not None


def test_it_shows_a_self_polling_progress_bar_while_the_export_is_prepared(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        now = utcnow()
        job = ExportJob(requested_by_id=world.ids["carol"], scope="client", client_id=world.ids["carol"],
                        status=ExportStatus.RUNNING, progress=40, created_at=now, expires_at=now + timedelta(hours=24))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    carol = as_persona("carol", "en")
    fragment = carol.htmx("GET", f"{BASE}/jobs/{job_id}").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="export-job"')
    assert f'hx-get="{BASE}/jobs/{job_id}"' in fragment
    assert 'hx-trigger="load delay:500ms"' in fragment and 'hx-swap="outerHTML"' in fragment
    assert '<progress id="export-progress-' in fragment and 'value="40"' in fragment and "40%" in fragment
    page = carol.get(f"{BASE}/jobs/{job_id}").get_data(as_text=True)
    assert "<h1>Export</h1>" in page and 'value="40"' in page
    not_ready = carol.get(f"{BASE}/jobs/{job_id}/download")
    assert not_ready.status_code == 409


def test_it_hides_an_export_from_everyone_but_its_requester(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        job_id = finished_export(world.ids["carol"], world.ids["carol"])
    for persona in ("alice", "dave", "admin"):
        visitor = as_persona(persona)
        assert visitor.get(f"{BASE}/jobs/{job_id}/download").status_code == 404
        assert visitor.get(f"{BASE}/jobs/{job_id}").status_code == 404
    assert as_persona("carol").get(f"{BASE}/jobs/{job_id + 1}/download").status_code == 404
    assert as_persona("carol").get(f"{BASE}/jobs/{job_id}/download").status_code == 200


def test_it_answers_an_expired_link_with_a_clear_message_and_removes_the_file(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        job_id = finished_export(world.ids["carol"], world.ids["carol"])
        job = db.session.get(ExportJob, job_id)
        job.expires_at = utcnow() - timedelta(seconds=1)
        path = export_dir(app) / job.file_name
        db.session.commit()
    assert path.exists()
    response = as_persona("carol", "en").get(f"{BASE}/jobs/{job_id}/download")
    assert response.status_code == 410
    assert "This download link has expired" in response.get_data(as_text=True)
    assert not path.exists()


def test_it_lets_the_practice_admin_export_a_client_and_the_whole_practice(app, world, as_persona):
    fill_practice(app, world)
    admin = as_persona("admin", "en")
    page = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "Export the whole practice" in page and "Carol Test" in page
    asked = admin.get(f"{BASE}/clients/{world.ids['carol']}").get_data(as_text=True)
    assert "Export the data of Carol Test" in asked and "Prepare the export" in asked
    started = admin.post(f"{BASE}/clients/{world.ids['carol']}")
    assert started.status_code == 303
    client_job = wait_for(app, world, int(started.headers["Location"].rsplit("/", 1)[1]))
    whole = admin.post(f"{BASE}/practice")
    practice_job = wait_for(app, world, int(whole.headers["Location"].rsplit("/", 1)[1]))
    assert (client_job.status, practice_job.status) == (ExportStatus.DONE, ExportStatus.DONE)
    client_archive = read_archive(admin.get(f"{BASE}/jobs/{client_job.id}/download").get_data())[0]
    practice_archive = read_archive(admin.get(f"{BASE}/jobs/{practice_job.id}/download").get_data())[0]
    assert client_archive["scope"] == "client" and client_archive["subject"]["id"] == world.ids["carol"]
    assert practice_archive["scope"] == "practice"
    assert {p["email"] for p in practice_archive["records"]["people"]} >= {"dave@een.test", "alice@een.test"}
    assert as_persona("carol").get(f"{BASE}/jobs/{client_job.id}").status_code == 404
    assert admin.post(f"{BASE}/clients/{world.ids['alice']}").status_code == 404
    assert admin.post(f"{BASE}/clients/999999").status_code == 404


def test_it_offers_the_export_on_the_clients_privacy_page(app, world, as_persona):
    carol = as_persona("carol", "en")
    page = carol.get(f"/{ONE}/privacy/mine").get_data(as_text=True)
    assert "Take your data with you" in page
    assert f'hx-post="{BASE}/mine"' in page and "Prepare my export" in page
    fragment = carol.htmx("POST", f"{BASE}/mine").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="my-exports"') and "export-job" in fragment
    assert "Take your data with you" not in as_persona("alice", "en").get(f"/{ONE}/privacy/mine").get_data(as_text=True)
    wait_for(app, world, newest_job(app, world).id)


def test_it_removes_expired_and_left_over_export_files_on_schedule(app, world):
    with app.app_context():
        with use_practice(world.practices[ONE]):
            fresh = finished_export(world.ids["carol"], world.ids["carol"])
            expired = finished_export(world.ids["dave"], world.ids["dave"])
            stale = ExportJob(requested_by_id=world.ids["admin"], scope="practice", status=ExportStatus.RUNNING,
                              progress=10, created_at=utcnow() - timedelta(hours=2), expires_at=utcnow())
            db.session.add(stale)
            db.session.get(ExportJob, expired).expires_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
            names = {job_id: db.session.get(ExportJob, job_id).file_name for job_id in (fresh, expired)}
            stale_id = stale.id
        leftover = export_dir(app) / "left-behind.zip"
        leftover.write_bytes(b"half an export")
        outcome = remove_expired_exports()
        assert outcome[ONE] == {"files_removed": 2, "jobs_failed": 1}
        assert sorted(p.name for p in export_dir(app).iterdir()) == [names[fresh]]
        assert remove_expired_exports()[ONE] == {"files_removed": 0, "jobs_failed": 0}
        with use_practice(world.practices[ONE]):
            assert db.session.get(ExportJob, stale_id).status == ExportStatus.FAILED
            assert db.session.get(ExportJob, expired).downloaded_at is None  # the row stays as the record


def test_it_does_not_start_a_second_export_while_one_is_prepared(app, world):
    with app.test_request_context(), use_practice(world.practices[ONE]):
        now = utcnow()
        running = ExportJob(requested_by_id=world.ids["carol"], scope="client", client_id=world.ids["carol"],
                            status=ExportStatus.RUNNING, progress=5, created_at=now, expires_at=now + timedelta(hours=1))
        db.session.add(running)
        db.session.commit()
        from app.accounts import services as accounts

        carol = accounts.user_by_id(world.ids["carol"])
        assert jobs.start_export(carol, carol, "en").id == running.id


def test_it_marks_an_export_failed_when_its_client_is_gone(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        now = utcnow()
        job = ExportJob(requested_by_id=world.ids["admin"], scope="client", client_id=None, status=ExportStatus.QUEUED,
                        progress=0, created_at=now, expires_at=now + timedelta(hours=1))
        db.session.add(job)
        db.session.commit()
        jobs.run_export_job(job.id)
        failed = db.session.get(ExportJob, job.id)
        assert failed.status == ExportStatus.FAILED and failed.error == "LookupError"
        assert list(export_dir(app).iterdir()) == []


def test_it_discards_a_practice_export_during_which_a_client_was_erased(app, world, monkeypatch):
    from app.accounts import services as accounts
    from app.archive import services
    from app.rights.erasure import erase_client

    original = services.export_practice

    def export_then_erase(dest, **kwargs):
        written = original(dest, **kwargs)  # read before the erasure: may hold the client
        erase_client(accounts.user_by_id(world.ids["dave"]), accounts.user_by_id(world.ids["admin"]), "Dave Test")
        return written

    monkeypatch.setattr(services, "export_practice", export_then_erase)
    with app.test_request_context(), use_practice(world.practices[ONE]):
        job = ExportJob(requested_by_id=world.ids["admin"], scope="practice", status=ExportStatus.QUEUED, progress=0,
                        created_at=utcnow(), expires_at=utcnow() + timedelta(hours=24))
        db.session.add(job)
        db.session.commit()
        jobs.run_export_job(job.id)
        job = db.session.get(ExportJob, job.id)
        assert (job.status, job.error) == (ExportStatus.FAILED, "ErasedDuringExport")
        assert not (export_dir(app) / job.file_name).exists()
