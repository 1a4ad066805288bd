"""Rule "housekeeping.links": expired links, ended sessions and old export files in each practice.

It reuses the functions the frequent jobs run (app/accounts purge_expired, app/archive
remove_expired), so the daily retention run reports them too and a dry run can preview them.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.services import purge_expired
from app.archive.jobs import remove_expired
from app.assessments.models import AssessmentRater
from app.audit.services import audit
from app.console.operators import purge_ended_sessions
from app.extensions import db
from app.retention.rules import retention_rule
from app.tenancy.sqlite import writing

# Like sign-in links, rater links are removed this long after they expired.
RATER_LINK_GRACE = timedelta(days=30)


def expire_rater_links(now: datetime) -> dict[str, int]:
    """Raters whose link expired over 30 days ago: unanswered ones are removed, answered ones lose
    name and e-mail address (their answers stay for the averages, as when a round closes). Commit after."""
    cutoff = now - RATER_LINK_GRACE
    removed: Counter[int] = Counter()
    cleared: Counter[int] = Counter()
    for rater in db.session.scalars(select(AssessmentRater).where(AssessmentRater.expires_at < cutoff)):
        if rater.submitted_at is None:
            removed[rater.assignment_id] += 1
            db.session.delete(rater)
        elif rater.name is not None or rater.email is not None:
            rater.name = rater.email = None
            cleared[rater.assignment_id] += 1
    for assignment_id in sorted(set(removed) | set(cleared)):
        audit("assessment.rater_links_expired", "assessment_assignment", assignment_id,
              detail={"removed": removed[assignment_id], "names_deleted": cleared[assignment_id]})
    return {"rater_links_removed": sum(removed.values()), "rater_names_deleted": sum(cleared.values())}


@retention_rule("housekeeping.links", per_practice=True, order=10)
def housekeeping_links(now: datetime, dry_run: bool) -> dict[str, int]:
    """Expired invitations and reset links, ended sessions, old rater links, export files."""
    counts = dict(purge_expired(now))  # rows only: a dry run's rollback undoes it
    counts.update(expire_rater_links(now))
    exports = remove_expired(now, dry_run=dry_run)  # files cannot be rolled back: a dry run only counts
    counts.update({f"export_{kind}": n for kind, n in exports.items()})
    return counts


@retention_rule("housekeeping.console_sessions", per_practice=False, order=15)
def housekeeping_console_sessions(now: datetime, dry_run: bool) -> dict[str, int]:
    """Console sessions that ended or went unused over 30 days ago (rolled back in a dry run)."""
    with writing():
        return {"console_sessions": purge_ended_sessions(now)}
