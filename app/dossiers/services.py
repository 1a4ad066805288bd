"""When a client's dossier is due for deletion, extending it once, deleting it now, and the job rule.

Due date ("bewaartermijn verstreken"): `months` (privacy_settings.dossier_retention_months)
after the END of the client's programmes, plus a one-time extension:

- all the client's programmes have ended (finished or stopped): the latest ended_on + months;
- any programme still in intake or running: not due (None);
- no programme at all: the account's creation date + months, but never sooner than
  NO_PROGRAMME_MIN_MONTHS after creation (an invited client waiting for a programme is
  not erased the day after, even when a practice keeps dossiers 0 months).

Month arithmetic adds calendar months and clamps to the month's end (31 January + 1 month
is 28 or 29 February). Dates are UTC dates: the job compares with now's UTC date.
"""
from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import aliased

from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import visible_clients
from app.dossiers.models import (
    EXTENSION_MAX_MONTHS,
    MAX_CAP_MONTHS,
    DossierExtension,
    DossierPolicy,
    OnExpiry,
)
from app.extensions import db
from app.privacy.models import PrivacySettings
from app.programmes.models import Programme, ProgrammeStatus
from app.restrictions.services import restricted_client_ids
from app.rights import erasure
from app.timeutil import utcnow

NO_PROGRAMME_MIN_MONTHS = 12
DUE_SOON_DAYS = 30
# The account that keeps anonymised answers: no person, never signs in, never listed as a client.
ANONYMOUS_ROLE = "anonymous"
ANONYMOUS_FIRST_NAME = "Anonymous"
ANONYMOUS_LAST_NAME = "client"


class DossierError(ValueError):
    """What was asked cannot be done (the message is for the person who asked; nothing changed)."""


class AlreadyExtended(DossierError):
    """The dossier was extended before: an extension is given once."""


class NotDue(DossierError):
    """The dossier has no due date near enough for what was asked (or is restricted)."""


# --- the policy --------------------------------------------------------------------------------------


def policy() -> DossierPolicy:
    """The dossier policy row of the current practice (the migration made it)."""
    return db.session.get(DossierPolicy, 1)  # type: ignore[return-value]


def retention_months() -> int:
    """How many months a dossier is kept after the programmes ended."""
    return db.session.get(PrivacySettings, 1).dossier_retention_months  # type: ignore[union-attr]


def update_policy(actor: User, cap_months: int, on_expiry: str) -> list[str]:
    """Change the cap and what happens at the due date; audits the changed field names (commit after)."""
    if on_expiry not in OnExpiry.ALL:
        raise DossierError(_l("Choose what happens at the due date."))
    if not (0 <= cap_months <= MAX_CAP_MONTHS):
        raise DossierError(_l("Enter a number of months between %(min)d and %(max)d.", min=0, max=MAX_CAP_MONTHS))
    if retention_months() > cap_months:
        raise DossierError(_l(
            "The practice keeps dossiers %(months)d months now; lower that first, or choose a cap of at least that.",
            months=retention_months(),
        ))
    row = policy()
    changed = sorted(
        name for name, value in (("retention_cap_months", cap_months), ("on_expiry", on_expiry))
        if getattr(row, name) != value
    )
    if changed:
        row.retention_cap_months = cap_months
        row.on_expiry = on_expiry
        row.updated_at = utcnow()
        audit("dossier_policy.updated", "dossier_policy", 1, actor=actor, detail={"fields": changed})
    return changed


# --- due dates ---------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """day plus a number of calendar months, clamped to the end of the month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """A client's dossier and the date it is due for deletion."""

    client: User
    due: date
    extended_months: int | None  # None when not extended
    restricted: bool = False

    @property
    def can_extend(self) -> bool:
        return self.extended_months is None


def _programme_summary() -> Any:
    """Per client: how many programmes, how many still running, and the latest end (one grouped query)."""
    running = case((Programme.status.in_(ProgrammeStatus.ENDED), 0), else_=1)
    return (
        select(
            Programme.client_id.label("client_id"),
            func.count(Programme.id).label("total"),
            func.sum(running).label("running"),
            func.max(Programme.ended_on).label("last_end"),
        )
        .group_by(Programme.client_id)
        .subquery()
    )


def _with_due_facts(clients: Select[tuple[User]]) -> Select[Any]:
    """clients, each with its programme summary and extension months, in one query."""
    summary = _programme_summary()
    users = aliased(User, clients.subquery())
    return (
        select(users, summary.c.total, summary.c.running, summary.c.last_end, DossierExtension.months)
        .outerjoin(summary, summary.c.client_id == users.id)
        .outerjoin(DossierExtension, DossierExtension.client_id == users.id)
    )


def _due_from(created: date, total: int | None, running: int | None, last_end: Any, extension: int | None,
              months: int) -> date | None:
    extra = extension or 0
    if not total:
        return add_months(created, max(months, NO_PROGRAMME_MIN_MONTHS) + extra)
    if running:
        return None
    if isinstance(last_end, str):  # func.max over a Date column can come back as text
        last_end = date.fromisoformat(last_end)
    # An ended programme always has ended_on; without one, count from the account's creation.
    return add_months(last_end or created, months + extra)


def due_date(client: User) -> date | None:
    """The date client's dossier is due for deletion, or None while a programme runs."""
    row = db.session.execute(_with_due_facts(select(User).where(User.id == client.id))).one()
    _user, total, running, last_end, extension = row
    return _due_from(client.created_at.date(), total, running, last_end, extension, retention_months())


def _all_clients() -> Select[tuple[User]]:
    return select(User).where(User.role == Role.CLIENT)


def due_within(days: int, now: datetime, viewer: User | None = None) -> list[Due]:
    """Dossiers due on or before now's date + days (so overdue ones too), soonest first.

    viewer None: every client of the practice (the job). A coach: the clients they may see.
    A practice admin: every client (names and dates only; they manage people).
    """
    if viewer is not None and viewer.role == Role.COACH:
        clients = visible_clients(viewer)
    elif viewer is None or viewer.role == Role.PRACTICE_ADMIN:
        clients = _all_clients()
    else:
        return []
    limit = now.date() + timedelta(days=days)
    months = retention_months()
    restricted = restricted_client_ids()
    found = []
    for client, total, running, last_end, extension in db.session.execute(_with_due_facts(clients)):
        due = _due_from(client.created_at.date(), total, running, last_end, extension, months)
        if due is not None and due <= limit:
            found.append(Due(client, due, extension, client.id in restricted))
    return sorted(found, key=lambda d: (d.due, d.client.last_name.casefold(), d.client.id))


def get_due_client_or_404(client_id: int, viewer: User) -> User:
    """A client the viewer (a coach) may see; 404 for anyone else or anything else."""
    from app.clients.access import get_client_or_404

    if viewer.role != Role.COACH:
        abort(404)
    return get_client_or_404(client_id)


# --- extending once, deleting now ------------------------------------------------------------------


def extension_of(client: User) -> DossierExtension | None:
    """The client's extension, if there is one."""
    return db.session.scalar(select(DossierExtension).where(DossierExtension.client_id == client.id))


def extend(client: User, actor: User, months: int, reason: str) -> DossierExtension:
    """Keep client's dossier `months` longer, once, for a reason (audited; commit after)."""
    if client.role != Role.CLIENT:
        raise DossierError(_l("Only a client's dossier can be extended."))
    if not (1 <= months <= EXTENSION_MAX_MONTHS):
        raise DossierError(_l("Choose how many months to keep the dossier longer."))
    reason = (reason or "").strip()
    if not reason:
        raise DossierError(_l("Say why the dossier is kept longer."))
    if due_date(client) is None:
        raise NotDue(_l("This client's programme is still running: there is no due date to move."))
    if extension_of(client) is not None:
        raise AlreadyExtended(_l("This dossier has been extended before; it can be extended only once."))
    extension = DossierExtension(client_id=client.id, extended_by_id=actor.id, reason=reason, months=months)
    db.session.add(extension)
    db.session.flush()
    audit("dossier.extended", "dossier_extension", extension.id, actor=actor, subject_id=client.id,
          detail={"client_id": client.id, "months": months})
    return extension


def check_deletable_now(client: User) -> date:
    """The due date of a dossier a coach may delete now; DossierError when it is not due within
    DUE_SOON_DAYS (or a programme runs) or the dossier is restricted."""
    due = due_date(client)
    if due is None or due > utcnow().date() + timedelta(days=DUE_SOON_DAYS):
        raise NotDue(_l("This dossier is not due for deletion yet."))
    if client.id in restricted_client_ids():
        raise NotDue(_l("This dossier is restricted; the practice admin decides about it."))
    return due


def delete_now(client: User, actor: User, typed_name: str) -> dict[str, int]:
    """The coach deletes a due dossier at once, confirmed with the client's full name (commits).

    Raises DossierError (see check_deletable_now) or erasure.ErasureError for a wrong name;
    either way nothing changed.
    """
    check_deletable_now(client)
    return erasure.erase_client(client, actor, typed_name, by="coach")


# --- anonymising -----------------------------------------------------------------------------------


def anonymous_account() -> User:
    """The practice's one anonymous account that keeps anonymised answers (made on first use).

    Not a person: no real name, an address that cannot receive mail, no password, inactive,
    and a role that no page, list or sign-in accepts.
    """
    shell = db.session.scalar(select(User).where(User.role == ANONYMOUS_ROLE).order_by(User.id).limit(1))
    if shell is None:
        shell = User(
            role=ANONYMOUS_ROLE, email=f"anonymised-{secrets.token_hex(12)}@invalid",
            first_name=ANONYMOUS_FIRST_NAME, last_name=ANONYMOUS_LAST_NAME,
            phone=None, address=None, password_hash=None, locale=None, active=False, email_notifications=False,
        )
        db.session.add(shell)
        db.session.flush()
    return shell


def anonymise_records(client: User, actor: User | None, *, by: str) -> tuple[erasure.Erased, int]:
    """Keep client's exercise answers and questionnaire results without any link to a person, erase the rest.

    The answers and results move to the anonymous account, without the coaches' feedback
    and notes about them (their words about the client) and without who gave or reviewed them;
    raters' names and e-mail addresses go and their links close. Then the client is erased
    as in the erasure right (same function). Returns what was erased and how many answers
    and results were kept. No commit.
    """
    from app.assessments.models import AssessmentAssignment, AssessmentRater
    from app.exercises.models import Answer, Assignment

    shell = anonymous_account()
    exercise_ids = list(db.session.scalars(select(Assignment.id).where(Assignment.client_id == client.id)))
    assessment_ids = list(db.session.scalars(
        select(AssessmentAssignment.id).where(AssessmentAssignment.client_id == client.id)
    ))
    kept = 0
    if exercise_ids:
        kept += db.session.scalar(select(func.count(Answer.id)).where(Answer.assignment_id.in_(exercise_ids))) or 0
        db.session.execute(
            update(Answer).where(Answer.assignment_id.in_(exercise_ids))
            .values(feedback=None, feedback_by_id=None, feedback_at=None)
        )
        db.session.execute(
            update(Assignment).where(Assignment.id.in_(exercise_ids))
            .values(client_id=shell.id, assigned_by_id=None, reviewed_by_id=None, overall_feedback=None)
        )
    if assessment_ids:
        kept += len(assessment_ids)
        now = utcnow()
        db.session.execute(
            update(AssessmentRater).where(AssessmentRater.assignment_id.in_(assessment_ids))
            .values(name=None, email=None, invited_by_id=None)
        )
        db.session.execute(
            update(AssessmentRater)
            .where(AssessmentRater.assignment_id.in_(assessment_ids), AssessmentRater.closed_at.is_(None))
            .values(closed_at=now)
        )
        db.session.execute(
            update(AssessmentAssignment).where(AssessmentAssignment.id.in_(assessment_ids))
            .values(client_id=shell.id, assigned_by_id=None, note=None)
        )
    db.session.expire_all()
    erased = erasure.erase_records(client, actor, action="client.anonymised", by=by)
    return erased, kept
