"""The recurring jobs, each working practice by practice."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, g

from app.accounts.services import purge_expired
from app.archive.jobs import remove_expired
from app.audit.services import anchor_chain
from app.extensions import db
from app.tenancy.context import use_practice
from app.tenancy.services import list_practices

log = logging.getLogger(__name__)

Counts = dict[str, int]


def for_each_practice(work: Callable[[], Counts]) -> dict[str, Counts | str]:
    """Run work in every practice, each in its own transaction; one failure does not stop the rest."""
    results: dict[str, Counts | str] = {}
    for practice in list_practices():
        with use_practice(practice):
            try:
                results[practice.slug] = work()
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                # The error class only: messages can carry values from the practice's data.
                log.error("job step failed in practice %s: %s", practice.slug, type(error).__name__)
                results[practice.slug] = f"failed: {type(error).__name__}"
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


def run_job(app: Flask, job_id: str, job: Callable[[], object]) -> None:
    """Run job with an app context, marked as scheduler work in the audit log."""
    with app.app_context():
        g.koers_origin = "job"
        outcome = job()
        log.info("job %s finished: %s", job_id, outcome)
