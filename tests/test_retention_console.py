"""The console's jobs page: runs with counts, next planned runs, and a dry-run preview, for operators only."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import TokenPurpose
from app.extensions import db
from app.retention.models import JobRun
from app.retention.services import run_recorded
from app.tenancy.context import use_practice
from tests.test_console import operator_visitor


def test_it_shows_operators_the_runs_with_counts_and_the_next_planned_runs(app, world):
    with app.app_context():
        run_recorded()
    page = operator_visitor(app).get("/platform/jobs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "retention.run" in html and "housekeeping.links" in html and "praktijk-een" in html
    assert "done" in html  # the outcome
    # Every scheduled job is listed with its next run; the retention job next runs at 02:30 UTC.
    assert "accounts.purge_expired_links" in html and "02:30 UTC" in html
    assert "carol" not in html.lower() and "een.test" not in html


def test_it_previews_the_retention_job_without_changing_anything(app, world, mailbox):
    with app.app_context(), use_practice(world.practices["praktijk-twee"]):
        user = accounts.list_users()[0]
        accounts.issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(days=-40))
        db.session.commit()
    visitor = operator_visitor(app)
    response = visitor.htmx("POST", "/platform/jobs/preview", {"as_of": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="retention-preview"' in html and "<html" not in html
    assert "tokens 1" in html
    later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    assert visitor.htmx("POST", "/platform/jobs/preview", {"as_of": later}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    assert mailbox.messages == []


def test_it_refuses_a_preview_date_in_the_past_or_nonsense(app, world):
    visitor = operator_visitor(app)
    for value in ("2001-01-01", "yesterday", "9999-99-99"):
        response = visitor.htmx("POST", "/platform/jobs/preview", {"as_of": value})
        assert response.status_code == 422
        assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_it_keeps_practice_people_and_strangers_out(app, world, as_persona, visitor):
    assert as_persona("admin").get("/platform/jobs/").status_code == 404
    assert visitor.get("/platform/jobs/").status_code == 302
    assert visitor.post("/platform/jobs/preview", {"as_of": ""}).status_code == 302
