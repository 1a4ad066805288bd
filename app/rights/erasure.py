"""Erasing a client: every record and document of theirs, in one transaction, with a tombstone.

Most of a client's data hangs off their row in `users` with ON DELETE CASCADE (profile,
programmes, exercises and answers, reports and their versions, journal, goals, messages,
documents, questionnaires and their raters, notices, sessions, links). Deleting that row
deletes all of it; which tables that reaches is read from the models' foreign keys, so a
feature that adds a table with a cascading key is counted and erased without a change here.
Rows of *other* people that merely point at the client (a coach's notice "X handed in", a
message author) keep their row with the pointer set to NULL.

Besides the cascade: the client's data-subject requests stay as proof without their texts
(data_requests.person_id becomes NULL), and the encrypted before/after values of corrections
about the client (audit_changes) are deleted. The hash-chained audit log itself holds ids
only and is append-only: it stays, and gains the tombstone `client.erased` (ids and counts).

SQLite runs with secure_delete, so deleted cells and pages are overwritten with zeros; after
the commit a TRUNCATE checkpoint moves every page out of the write-ahead log and empties it,
so no old page with the client's data remains in the -wal file either. Export files waiting
on disk for their download that may hold the client's data (their own exports, and exports of
the whole practice) are removed too; such a link then answers that the file is gone.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.accounts.models import Role, User
from app.audit.models import AuditChange, AuditEvent
from app.audit.services import audit
from app.extensions import db
from app.rights import services
from app.rights.models import DataRequest
from app.tenancy.context import current_practice
from app.tenancy.services import existing_file
from app.tenancy.sqlite import checkpoint

log = logging.getLogger(__name__)

# What the admin is shown per table (counts only). Link rows that mean nothing on their own
# (sessions, read markers, coach links) are erased but not listed; unknown tables count as "other".
LABELS = {
    "client_profiles": _l("Dossier details (date of birth, referral notes)"),
    "programmes": _l("Programmes"),
    "programme_steps": _l("Programme steps"),
    "exercise_assignments": _l("Exercises given"),
    "exercise_answers": _l("Answers and feedback"),
    "session_reports": _l("Session reports"),
    "report_versions": _l("Earlier versions of session reports"),
    "journal_entries": _l("Journal entries"),
    "goals": _l("Goals"),
    "messages": _l("Messages"),
    "documents": _l("Documents"),
    "assessment_assignments": _l("Questionnaires"),
    "assessment_raters": _l("Invited raters (360-degree feedback)"),
    "notifications": _l("Notifications"),
    "audit_changes": _l("Recorded corrections (old and new values)"),
    "consents": _l("Consents given and withdrawn"),
    "restrictions": _l("Restrictions of the dossier"),
    "export_jobs": _l("Exports prepared"),
    "marketing_opt_ins": _l("News opt-ins"),
}
UNLISTED = {"users", "user_sessions", "account_tokens", "coach_assignments", "message_thread_reads", "goal_exercises"}


class ErasureError(ValueError):
    """The erasure was not done; the message is for the practice admin."""


@dataclass(frozen=True)
class Preview:
    """What erasing a client deletes: counts per kind (never content), and the requests kept as proof."""

    rows: list[tuple[str, int]]  # (label, count), only kinds with something in them
    requests: int


def _practice_tables() -> list[Table]:
    return list(User.metadata.sorted_tables)


def _cascade(client_id: int) -> dict[Table, ColumnElement[bool]]:
    """Per table, which of its rows go when the client's users row is deleted (ON DELETE CASCADE, followed through)."""
    users = User.__table__
    reached: dict[Table, list[ColumnElement[bool]]] = {users: [users.c.id == client_id]}
    for table in _practice_tables():  # parents come before their children
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent in reached and parent is not table and (fk.ondelete or "").upper() == "CASCADE":
                parent_rows = select(fk.column).where(or_(*reached[parent]))
                reached.setdefault(table, []).append(fk.parent.in_(parent_rows))
    return {table: or_(*conditions) for table, conditions in reached.items()}


def _changes_about(client_id: int) -> ColumnElement[bool]:
    """The encrypted before/after values of corrections about the client."""
    events = select(AuditEvent.id).where(
        or_(
            AuditEvent.subject_id == client_id,
            (AuditEvent.object_type.in_(("client", "user"))) & (AuditEvent.object_id == client_id),
        )
    )
    return AuditChange.event_id.in_(events)


def erasure_counts(client: User) -> dict[str, int]:
    """How many rows of each table erasing client deletes (table names and numbers only)."""
    counts = {}
    for table, condition in _cascade(client.id).items():
        if table.name == "users":
            continue
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table).where(condition)) or 0
    counts["audit_changes"] = db.session.scalar(
        select(func.count()).select_from(AuditChange).where(_changes_about(client.id))
    ) or 0
    return {name: count for name, count in sorted(counts.items()) if count}


def preview(client: User) -> Preview:
    """What the erasure page shows: counts per kind, no content."""
    counts = erasure_counts(client)
    rows: dict[str, int] = {}
    other = 0
    for name, count in counts.items():
        if name in UNLISTED:
            continue
        if name in LABELS:
            rows[str(LABELS[name])] = count
        else:
            other += count
    listed = sorted(rows.items(), key=lambda item: item[0].casefold())
    if other:
        listed.append((str(_l("Other records")), other))
    requests = db.session.scalar(select(func.count()).select_from(DataRequest).where(DataRequest.person_id == client.id)) or 0
    return Preview(listed, requests)


def _normalised(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def name_matches(client: User, typed_name: str) -> bool:
    """True when typed_name is the client's full name (case and surrounding or double spaces aside)."""
    return bool(_normalised(client.full_name)) and _normalised(typed_name) == _normalised(client.full_name)


@dataclass(frozen=True)
class Erased:
    """What erase_records did: the counts per table (as in the tombstone) and export files to remove after commit."""

    counts: dict[str, int]
    exports: list[str]
    # For the erasure register (app/backup): which client of which practice, ids only.
    client_id: int | None = None
    practice_slug: str | None = None


def erase_records(client: User, actor: User | None, *, action: str = "client.erased", by: str | None = None) -> Erased:
    """The deletion itself, shared by the admin's erasure, the coach's "delete now" and the retention job.

    No name check and no commit: the caller confirms and commits, then calls finish_erasure.
    actor None (the retention job) is audited as "system"; `by` says in the tombstone who
    asked for it (ids and words of the code only). Raises ErasureError for a non-client.
    """
    if client.role != Role.CLIENT:
        raise ErasureError(_l("Only clients can be erased here."))
    client_id = client.id
    exports = _prepared_exports(client_id)
    counts = erasure_counts(client)
    services.close_for_erasure(client, actor)  # type: ignore[arg-type]
    db.session.execute(delete(AuditChange).where(_changes_about(client_id)))
    # The cascade does the rest, in the database, within this transaction.
    db.session.execute(delete(User).where(User.id == client_id))
    detail: dict[str, object] = {"counts": counts}
    if by:
        detail["by"] = by
    audit(action, "client", client_id, actor=actor, subject_id=client_id, detail=detail)
    return Erased(counts, exports, client_id, current_practice().slug)


def finish_erasure(erased: list[Erased] | Erased) -> None:
    """After the commit: record the erasures in the erasure register, remove the export files that may hold the erased clients, and empty the WAL."""
    # First, outside the practice file: a restore of an older backup erases them again (app/backup).
    from app.backup.services import register_client_erasure

    for one in erased if isinstance(erased, list) else [erased]:
        if one.client_id is not None and one.practice_slug is not None:
            register_client_erasure(one.practice_slug, one.client_id)
    for one in erased if isinstance(erased, list) else [erased]:
        _remove_export_files(one.exports)
    checkpoint_wal()


def erase_client(client: User, actor: User, typed_name: str, *, by: str | None = None) -> dict[str, int]:
    """Erase client and everything of theirs in one transaction, commit, and empty the WAL.

    typed_name must be the client's full name. Returns the counts per table that the
    tombstone records. Raises ErasureError (nothing changed) for a wrong name or a non-client.
    """
    if client.role != Role.CLIENT:
        raise ErasureError(_l("Only clients can be erased here."))
    if not name_matches(client, typed_name):
        raise ErasureError(_l("Type the client's full name exactly as shown to confirm the erasure."))
    try:
        erased = erase_records(client, actor, by=by)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finish_erasure(erased)
    return erased.counts


def _prepared_exports(client_id: int) -> list[str]:
    """Export files not yet downloaded that may hold the client's data: theirs, and whole-practice ones."""
    try:
        models = importlib.import_module("app.archive.models")
    except ImportError:
        return []
    job = models.ExportJob
    return list(
        db.session.scalars(
            select(job.file_name).where(
                job.file_name.is_not(None),
                job.downloaded_at.is_(None),
                or_(job.client_id == client_id, job.requested_by_id == client_id, job.scope == models.ExportScope.PRACTICE),
            )
        )
    )


def _remove_export_files(names: list[str]) -> None:
    if not names:
        return
    folder = importlib.import_module("app.archive.jobs").export_dir()
    for name in names:
        for path in (folder / name, folder / f".{name}.part"):
            if path.parent == folder:  # names are random tokens; never follow anything else
                path.unlink(missing_ok=True)


def checkpoint_wal() -> tuple[int, int, int]:
    """Copy every page of the practice's write-ahead log into its file and empty the log.

    Through app.tenancy.sqlite.checkpoint, the one place Koers checkpoints (under the file's
    write lock). Returns (busy, log pages, checkpointed pages); busy is 1 when a writer or
    reader kept the log from being emptied (it is then emptied by a later checkpoint).
    """
    done = checkpoint(
        existing_file(current_practice().slug), current_app.config["SQLITE_BUSY_TIMEOUT_MS"], empty=True
    )
    result = (int(done.busy), done.log_frames, done.checkpointed)
    if result[0]:
        log.warning("the write-ahead log could not be emptied after an erasure (a reader was busy)")
    return result
