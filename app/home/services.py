"""The landing pages' figures: a coach's clients at a glance, a client's next step.

Every figure is one query over all clients of a page (grouped, or `IN` their ids), never one
query per client: a dashboard runs the same number of statements for 10 clients or 200.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select

from app.accounts.models import User
from app.clients import services as clients
from app.clients.access import visible_clients
from app.exercises import services as exercises
from app.exercises.models import Assignment, AssignmentStatus
from app.extensions import db
from app.messages import services as messages
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.programmes import services as programmes
from app.programmes.models import Programme, ProgrammeStatus, StepKind

PAGE_SIZE = clients.PAGE_SIZE
# The filters of the coach's client list; programme statuses filter on the current programme.
FILTERS = ("review", "overdue", "unread", *ProgrammeStatus.ALL)
RECENT_ACTIVITY = 8


@dataclass(frozen=True)
class ClientRow:
    """One client in the coach's list, with their current programme and what needs attention."""

    client: User
    programme: Programme | None
    steps_done: int
    steps_total: int
    awaiting_review: int
    overdue: int
    unread: int


@dataclass(frozen=True)
class ClientPage:
    """One page of the coach's client list, as searched and filtered."""

    rows: list[ClientRow]
    total: int
    page: int
    pages: int
    query: str
    show: str


@dataclass(frozen=True)
class CoachTotals:
    """What needs the coach's attention over all their clients."""

    awaiting_review: int
    overdue: int
    unread: int


@dataclass(frozen=True)
class Activity:
    """A recent notice and who caused it."""

    notice: Notification
    actor: User | None


@dataclass(frozen=True)
class NextStep:
    """What a client could do next: a programme step or an open exercise, with its link."""

    title: str
    url: str
    kind: str  # StepKind.INFO or StepKind.EXERCISE
    due_date: date | None = None


def _filter(viewer: User, show: str, today: date) -> list[ColumnElement[bool]]:
    if show == "review":
        return [User.id.in_(exercises.clients_awaiting_review())]
    if show == "overdue":
        return [User.id.in_(exercises.clients_overdue(today))]
    if show == "unread":
        return [User.id.in_(messages.clients_with_unread(viewer))]
    if show in ProgrammeStatus.ALL:
        return [programmes.current_status_is(show)]
    return []


def client_page(viewer: User, query: str = "", show: str = "", page: int = 1) -> ClientPage:
    """A page of the clients viewer may see, searched and filtered, each with their figures."""
    today = programmes.today()
    show = show if show in FILTERS else ""
    where = _filter(viewer, show, today)
    found, total = clients.search_clients(viewer, query, max(page, 1), where)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # a page past the end (the list shrank): show the last one
        page = pages
        found, total = clients.search_clients(viewer, query, page, where)
    ids = [c.id for c in found]
    current = programmes.current_programmes(ids)
    progress = programmes.progress_of(list(current.values())) if current else {}
    review = exercises.review_counts(ids) if ids else {}
    overdue = exercises.overdue_counts(ids, today) if ids else {}
    unread = messages.unread_counts(viewer) if ids else {}
    programmes.audit_listed([p.id for p in current.values()], viewer, "coach_home")
    rows = []
    for client in found:
        programme = current.get(client.id)
        done, steps = progress.get(programme.id, (0, 0)) if programme else (0, 0)
        rows.append(ClientRow(client, programme, done, steps, review.get(client.id, 0),
                              overdue.get(client.id, 0), unread.get(client.id, 0)))
    return ClientPage(rows, total, max(page, 1), pages, query, show)


def coach_totals(viewer: User) -> CoachTotals:
    """Exercises awaiting review, overdue exercises and unread messages over all of viewer's clients."""
    ids = visible_clients(viewer).with_only_columns(User.id)
    return CoachTotals(
        sum(exercises.review_counts(ids).values()),
        sum(exercises.overdue_counts(ids, programmes.today()).values()),
        messages.unread_total(viewer),
    )


def recent_activity(user: User, limit: int = RECENT_ACTIVITY) -> list[Activity]:
    """The user's newest notices with who caused them (two queries)."""
    notices = notifications.recent(user, limit)
    actor_ids = {n.actor_id for n in notices if n.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    return [Activity(n, actors.get(n.actor_id) if n.actor_id else None) for n in notices]


def open_assignments(assignments: Sequence[Assignment]) -> list[Assignment]:
    """The open ones, soonest due first (those without a due date last)."""
    open_ = [a for a in assignments if a.status == AssignmentStatus.OPEN]
    return sorted(open_, key=lambda a: (a.due_date is None, a.due_date or date.min, a.id))


def feedback_received(assignments: Sequence[Assignment]) -> list[Assignment]:
    """The assignments whose feedback the client may read, newest feedback first."""
    reviewed = [a for a in assignments if exercises.feedback_visible_to_client(a)]
    return sorted(reviewed, key=lambda a: a.reviewed_at, reverse=True)  # type: ignore[arg-type, return-value]


def next_step(views: Sequence[programmes.ProgrammeView], open_: Sequence[Assignment]) -> NextStep | None:
    """The first available, unfinished step of a running programme; else the open exercise due soonest."""
    for view in views:
        if view.programme.status in ProgrammeStatus.ENDED:
            continue
        for step in view.steps:
            if step.available and not step.done:
                if step.step.kind == StepKind.EXERCISE and step.assignment_url:
                    return NextStep(step.title, step.assignment_url, StepKind.EXERCISE)
                # Information steps are read in the programme shown on the same page.
                return NextStep(step.title, f"#programme-{view.programme.id}-title", StepKind.INFO)
    if open_:
        first = open_[0]
        return NextStep(first.title, exercises.assignment_url(first), StepKind.EXERCISE, first.due_date)
    return None
