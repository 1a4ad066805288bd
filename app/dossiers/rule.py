"""The retention job's rule "dossiers.expired": at the due date a dossier is erased, or anonymised.

Runs inside each practice (the framework selects it and commits after its rules succeed).
A dossier is expired on its due date (UTC: now's date). A restricted dossier is skipped and
counted: a restriction keeps data the person needs (for example for a claim) from deletion.
Export files that may hold an erased client are removed, and the write-ahead log emptied,
only after the framework's commit: a rolled-back run removes nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime

from app.dossiers.models import OnExpiry
from app.dossiers.services import anonymise_records, due_within, policy
from app.extensions import RoutingSession, db
from app.retention.rules import retention_rule
from app.rights import erasure

log = logging.getLogger(__name__)

_PENDING = "koers_dossiers_erased"


@retention_rule("dossiers.expired", per_practice=True, order=20)
def expired_dossiers(now: datetime, dry_run: bool) -> dict[str, int]:
    """Erase (or anonymise, as the practice chose) every client whose dossier is due on or before now's date."""
    anonymise = policy().on_expiry == OnExpiry.ANONYMISE
    due = due_within(0, now)
    todo = [d for d in due if not d.restricted]
    done_key = "dossiers_anonymised" if anonymise else "dossiers_erased"
    counts = {done_key: len(todo), "dossiers_restricted_skipped": len(due) - len(todo)}
    if anonymise:
        counts["answers_kept"] = 0
    if dry_run:
        return counts
    erased = []
    for item in todo:
        if anonymise:
            result, kept = anonymise_records(item.client, None, by="retention")
            counts["answers_kept"] += kept
        else:
            result = erasure.erase_records(item.client, None, by="retention")
        erased.append(result)
    if erased:
        db.session.info.setdefault(_PENDING, []).extend(erased)
    return counts


def _after_commit(session: object) -> None:
    pending = session.info.pop(_PENDING, None)  # type: ignore[attr-defined]
    if pending:
        try:
            erasure.finish_erasure(pending)
        except Exception:  # the deletion is committed; a leftover file or WAL page goes at the next checkpoint
            log.exception("cleaning up after the retention job's erasures failed")


def _after_rollback(session: object) -> None:
    session.info.pop(_PENDING, None)  # type: ignore[attr-defined]


def _listen() -> None:
    from sqlalchemy import event

    if not event.contains(RoutingSession, "after_commit", _after_commit):
        event.listen(RoutingSession, "after_commit", _after_commit)
        event.listen(RoutingSession, "after_rollback", _after_rollback)


_listen()
