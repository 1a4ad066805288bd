"""Reading the audit log back: a client's own access log, and the practice admin's search.

Both run a fixed number of queries for any page size: the events of one page, their count,
and the people named in them in one query.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from app.accounts.models import Role, User
from app.audit.models import AuditEvent
from app.audit.services import ChainReport, verify_chain
from app.accounts.services import list_users
from app.extensions import db
from app.privacy.actions import describe, known_actions

ACCESS_LOG_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
RECENT = 5
# Dates in filters are the practice's calendar days (the Netherlands); events are stored in UTC.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
MAX_PAGE = 1_000_000  # a huge page number from a URL would overflow SQLite's integers

ROLE_LABELS = {
    Role.PRACTICE_ADMIN: _l("Practice admin"),
    Role.COACH: _l("Coach"),
    Role.CLIENT: _l("Client"),
}

# Who an event's actor is, in the person's own words.
WHO_YOU = "you"
WHO_PERSON = "person"
WHO_SYSTEM = "system"
WHO_ANONYMOUS = "anonymous"
WHO_FORMER = "former"


@dataclass(frozen=True)
class LogEntry:
    """One event as a person reads it: when, who, and what in plain words (no internal ids)."""

    at: datetime
    who: str  # WHO_*
    role_label: str
    name: str | None
    what: str

    @property
    def who_text(self) -> str:
        """Who did it, as one phrase."""
        if self.who == WHO_YOU:
            return _("You")
        if self.who == WHO_SYSTEM:
            return _("Koers itself (an automatic task)")
        if self.who == WHO_ANONYMOUS:
            return _("Someone who was not signed in")
        if self.who == WHO_FORMER:
            return _("%(role)s who is no longer with the practice", role=self.role_label)
        return _("%(role)s %(name)s", role=self.role_label, name=self.name)


@dataclass(frozen=True)
class LogPage:
    """One page of a log, newest first."""

    entries: list
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class AuditRow:
    """One event in the admin's search: the event, who did it and whom it is about."""

    event: AuditEvent
    actor: User | None
    subject: User | None
    what: str

    @property
    def role_label(self) -> str:
        label = ROLE_LABELS.get(self.event.actor_role)
        if label is not None:
            return str(label)
        if self.event.actor_role == "system":
            return _("System")
        return _("Not signed in")


@dataclass(frozen=True)
class AuditFilters:
    """What the admin searches for; None means any."""

    person_id: int | None = None
    person_since: datetime | None = None  # the person's account creation: older events with their id are someone else's
    involvement: str = "any"  # "any" (by or about), "actor" (by), "subject" (about)
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def bounded(page: int | None) -> int:
    """A page number SQLite can take."""
    return min(max(page or 1, 1), MAX_PAGE)


def _page_of(statement: Select, page: int, size: int) -> tuple[list[AuditEvent], int, int, int]:
    """The events of one page (newest first), the total, the page shown and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(bounded(page), pages)
    events = list(
        db.session.scalars(statement.order_by(AuditEvent.id.desc()).limit(size).offset((page - 1) * size))
    )
    return events, total, page, pages


def _people(ids: Iterable[int | None]) -> dict[int, User]:
    """The people with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


# --- the client's access log ------------------------------------------------------------------


def _entry(event: AuditEvent, person: User, people: dict[int, User]) -> LogEntry:
    role_label = str(ROLE_LABELS.get(event.actor_role, ""))
    if event.actor_id is not None and event.actor_id == person.id:
        who, name = WHO_YOU, None
    elif event.actor_id is not None and event.actor_id in people and people[event.actor_id].created_at <= event.at:
        who, name = WHO_PERSON, people[event.actor_id].full_name
    elif event.actor_id is not None and role_label:
        who, name = WHO_FORMER, None  # the account was erased: its role is all that is left
    elif event.actor_role == "anonymous":
        who, name = WHO_ANONYMOUS, None
    else:
        who, name = WHO_SYSTEM, None
    return LogEntry(at=event.at, who=who, role_label=role_label, name=name, what=describe(event.action))


def access_log(person: User, page: int = 1, size: int = ACCESS_LOG_PAGE_SIZE) -> LogPage:
    """Who viewed or changed the person's data and when: the events about them, newest first.

    Reading one's own access log is not itself audited: it shows when and by whom the
    person's data was used, not the data itself, and an event per look would fill the very
    log the person reads with their own visits.
    """
    # From the account's creation on: SQLite may give an erased person's id to someone new,
    # and the erased person's events (which the chained log keeps) are not the newcomer's.
    statement = select(AuditEvent).where(AuditEvent.subject_id == person.id, AuditEvent.at >= person.created_at)
    events, total, page, pages = _page_of(statement, page, size)
    people = _people(e.actor_id for e in events)
    return LogPage([_entry(e, person, people) for e in events], total, page, pages)


def recent_access(person: User, limit: int = RECENT) -> list[LogEntry]:
    """The newest few entries of the person's access log (for the "my privacy" page)."""
    return access_log(person, 1, limit).entries


# --- the practice admin's search ---------------------------------------------------------------


def members() -> list[User]:
    """Everyone in the practice, for the person filter and the names in results (one query)."""
    return list_users()


def action_codes() -> list[str]:
    """The actions one can search for: every known one and every one in this practice's log."""
    present = db.session.scalars(select(AuditEvent.action).distinct())
    return sorted(set(known_actions()) | set(present))


def local_day_start(day: date) -> datetime:
    """The first moment of a calendar day in the Netherlands, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


def search(filters: AuditFilters, page: int = 1, people: dict[int, User] | None = None,
           size: int = AUDIT_PAGE_SIZE) -> LogPage:
    """One page of the events matching filters, newest first, with the people they name.

    `people` (everyone, by id) saves the query for names when the caller already loaded them.
    """
    statement = select(AuditEvent)
    if filters.person_id is not None:
        by, about = AuditEvent.actor_id == filters.person_id, AuditEvent.subject_id == filters.person_id
        statement = statement.where(
            by if filters.involvement == "actor" else about if filters.involvement == "subject" else or_(by, about)
        )
        if filters.person_since is not None:
            statement = statement.where(AuditEvent.at >= filters.person_since)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.date_from:
        statement = statement.where(AuditEvent.at >= local_day_start(filters.date_from))
    if filters.date_to:
        statement = statement.where(AuditEvent.at < local_day_start(filters.date_to + timedelta(days=1)))
    events, total, page, pages = _page_of(statement, page, size)
    if people is None:
        people = _people([e.actor_id for e in events] + [e.subject_id for e in events])
    rows = [AuditRow(e, _named(people, e.actor_id, e), _named(people, e.subject_id, e), describe(e.action)) for e in events]
    return LogPage(rows, total, page, pages)


def _named(people: dict[int, User], user_id: int | None, event: AuditEvent) -> User | None:
    """The person with this id at the time of the event (None when erased, or when the id was reused since)."""
    person = people.get(user_id) if user_id is not None else None
    if person is None or person.created_at > event.at:
        return None
    return person


def chain_status() -> ChainReport:
    """Whether the practice's audit chain verifies (and where it breaks)."""
    return verify_chain()


def broken_reason(report: ChainReport) -> str:
    """Why the chain does not verify, in the admin's language."""
    reason = report.reason or ""
    if reason.startswith("does not follow"):
        return _("Events were removed or reordered just before this one.")
    if reason.startswith("its content"):
        return _("This event was changed after it was written.")
    if reason.startswith("differs from the event anchored"):
        return _("This event differs from the copy kept outside the practice's file: the log was rewritten.")
    if reason.startswith("is missing"):
        return _("Events were removed from the end of the log.")
    return reason
