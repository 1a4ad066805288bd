"""Console pages of the retention package: the record of job runs, the next planned runs, a preview."""
from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.console.access import operator_required
from app.console.events import console_event
from app.console.nav import register_console_nav
from app.extensions import db
from app.retention.cli import retention_cli
from app.retention.forms import PreviewForm
from app.retention.models import RunOutcome
from app.retention.runs import recent_runs
from app.retention.services import run_retention
from app.scheduler.runner import next_planned_runs
from app.timeutil import utcnow
from app.web.htmx import page_or_fragment

bp = Blueprint("retention", __name__, url_prefix="/jobs", cli_group=None)
# `flask retention ...`: the blueprint's commands are added to the app when it is registered.
bp.cli.add_command(retention_cli)

register_console_nav("console.retention.index", _l("Jobs"), 40)

OUTCOMES = {
    RunOutcome.RUNNING: _l("running"),
    RunOutcome.OK: _l("done"),
    RunOutcome.PARTIAL: _l("partly done"),
    RunOutcome.FAILED: _l("failed"),
}


def _page(form: PreviewForm, report=None, status: int = 200) -> Response:
    now = utcnow()
    return page_or_fragment(
        "retention/index.html", "retention/_preview.html", status,
        runs=recent_runs(), planned=next_planned_runs(now), form=form, report=report, outcomes=OUTCOMES,
    )


@bp.get("/")
@operator_required
def index() -> Response:
    """Recent runs of every job with their counts, and when each job runs next."""
    return _page(PreviewForm())


@bp.post("/preview")
@operator_required
def preview() -> Response:
    """A dry run of the retention job: counts of what it would delete; nothing changes, no mail."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    now = datetime.combine(form.as_of.data, time(12, 0), tzinfo=UTC) if form.as_of.data else None
    report = run_retention(now, dry_run=True)
    console_event("retention.preview", "job", None, {"as_of": form.as_of.data.isoformat() if form.as_of.data else None})
    db.session.commit()
    return _page(form, report)
