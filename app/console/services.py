"""Practices as the operator sees them (counts only) and their subscriptions ("abonnementen").

Other packages use current_subscription(), subscription_end(), is_read_only() and
special_data_erasure_date(); the retention job counts from the same end date.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.console.events import console_event
from app.console.models import ConsoleEvent, Operator, Subscription
from app.extensions import db
from app.privacy.periods import SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION
from app.tenancy.context import practice_engines
from app.tenancy.models import Practice, PracticeStatus
from app.tenancy.sqlite import writing
from app.timeutil import utcnow

PAGE_SIZE = 50


class ConsoleError(ValueError):
    """A console action cannot be done as asked; the message is for the operator, field names the input."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def today() -> date:
    """Today's date in UTC, the calendar of subscriptions."""
    return utcnow().date()


# --- subscriptions ------------------------------------------------------------------------------


def subscriptions_of(practice_id: int) -> list[Subscription]:
    """A practice's subscriptions, newest first."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.practice_id == practice_id)
            .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
        )
    )


def latest_subscription(practice_id: int) -> Subscription | None:
    """The practice's newest subscription, ended or not."""
    subs = subscriptions_of(practice_id)
    return subs[0] if subs else None


def current_subscription(practice_id: int, on: date | None = None) -> Subscription | None:
    """The subscription in force on `on` (today): started by then and not yet ended; None between or after."""
    day = on or today()
    return db.session.scalar(
        select(Subscription)
        .where(
            Subscription.practice_id == practice_id,
            Subscription.starts_on <= day,
            (Subscription.ends_on.is_(None)) | (Subscription.ends_on >= day),
        )
        .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
        .limit(1)
    )


def can_be_ended(subscription: Subscription | None) -> bool:
    """True when this (newest) subscription has no end date yet, or one that has not passed."""
    return subscription is not None and (subscription.ends_on is None or subscription.ends_on >= today())


def _practice_id(slug: str) -> int | None:
    return db.session.scalar(select(Practice.id).where(Practice.slug == slug))


def _latest_end(slug: str) -> tuple[bool, date | None]:
    """(has a subscription, end date of the newest one); cached for the rest of the request."""
    cache: dict[str, tuple[bool, date | None]] | None = None
    if has_request_context():
        cache = g.setdefault("koers_subscription_ends", {})
        if slug in cache:
            return cache[slug]
    practice_id = _practice_id(slug)
    latest = latest_subscription(practice_id) if practice_id is not None else None
    found = (latest is not None, latest.ends_on if latest is not None else None)
    if cache is not None:
        cache[slug] = found
    return found


def subscription_end(slug: str) -> date | None:
    """End date of the practice's newest subscription; None while open-ended or without one."""
    return _latest_end(slug)[1]


def is_read_only(slug: str, on: date | None = None) -> bool:
    """True when the newest subscription ended before today: the practice is then read-only.

    A practice without any subscription is open-ended, not read-only.
    """
    end = subscription_end(slug)
    return end is not None and end < (on or today())


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February, never later than promised."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def erasure_date_after(end: date) -> date:
    """The day a practice's special data is erased, for a subscription that ended on `end`."""
    return add_years(end, SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION)


def special_data_erasure_date(slug: str) -> date | None:
    """When the practice's special personal data will be erased; None while its subscription runs on."""
    end = subscription_end(slug)
    return erasure_date_after(end) if end is not None else None


def _practice_or_error(practice_id: int) -> Practice:
    practice = db.session.get(Practice, practice_id)
    if practice is None:
        raise ConsoleError(_("This practice does not exist."), status=404)
    return practice


def add_subscription(
    operator: Operator, practice_id: int, plan: str, price_cents: int, starts_on: date, ends_on: date | None
) -> Subscription:
    """Start a new subscription for the practice (commits); it may not overlap the previous one."""
    plan = plan.strip()
    if not plan or len(plan) > 100:
        raise ConsoleError(_("Enter a plan name of at most 100 characters."), field="plan")
    if not 0 <= price_cents <= 10_000_000:
        raise ConsoleError(_("Enter a price between 0 and 100,000 euros."), field="price")
    if ends_on is not None and ends_on < starts_on:
        raise ConsoleError(_("The end date cannot be before the start date."), field="ends_on")
    with writing():
        _practice_or_error(practice_id)
        latest = latest_subscription(practice_id)
        if latest is not None:
            if latest.ends_on is None:
                db.session.rollback()
                raise ConsoleError(_("End the current subscription before adding a new one."), status=409)
            if starts_on <= latest.ends_on:
                db.session.rollback()
                raise ConsoleError(
                    _("A new subscription starts after the previous one ended (on %(date)s).", date=latest.ends_on.isoformat()),
                    field="starts_on",
                )
        subscription = Subscription(
            practice_id=practice_id, plan=plan, price_cents=price_cents, starts_on=starts_on, ends_on=ends_on,
            created_at=utcnow(), created_by=operator.id,
        )
        db.session.add(subscription)
        db.session.flush()
        console_event(
            "subscription.added", "subscription", subscription.id,
            {"practice_id": practice_id, "price_cents": price_cents, "starts_on": starts_on.isoformat(),
             "ends_on": ends_on.isoformat() if ends_on else None},
        )
        db.session.commit()
    return subscription


def end_subscription(operator: Operator, practice_id: int, ends_on: date) -> Subscription:
    """Set the end date of the practice's newest subscription (commits); may be past or future."""
    with writing():
        _practice_or_error(practice_id)
        latest = latest_subscription(practice_id)
        if latest is None:
            db.session.rollback()
            raise ConsoleError(_("This practice has no subscription to end."), status=409)
        if not can_be_ended(latest):
            db.session.rollback()
            raise ConsoleError(_("This subscription has already ended."), status=409)
        if ends_on < latest.starts_on:
            db.session.rollback()
            raise ConsoleError(_("The end date cannot be before the start date."), field="ends_on")
        previous = latest.ends_on
        latest.ends_on = ends_on
        console_event(
            "subscription.ended", "subscription", latest.id,
            {"practice_id": practice_id, "ends_on": ends_on.isoformat(),
             "previous_ends_on": previous.isoformat() if previous else None},
        )
        db.session.commit()
    return latest


# --- practices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeRow:
    """One line of the console's list: the practice, its state and its head counts, nothing personal."""

    id: int
    slug: str
    name: str
    status: str  # "active", "suspended", "ended"
    ends_on: date | None
    erasure_on: date | None
    counts: dict[str, int] | None  # role -> number of people; None when the file cannot be read

    @property
    def ended(self) -> bool:
        """True when the newest subscription ended before today."""
        return self.ends_on is not None and self.ends_on < today()


def people_counts(slug: str) -> dict[str, int] | None:
    """How many people of each role a practice has: one GROUP BY on its file, opened read-only."""
    path = practice_engines().path_for(slug)
    if not path.exists():
        return None
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=timeout)) as conn:
            rows = conn.execute("SELECT role, count(*) FROM users GROUP BY role").fetchall()
    except sqlite3.Error:
        return None
    return {role: count for role, count in rows}


def display_status(practice: Practice, on: date | None = None) -> tuple[str, date | None, date | None]:
    """(status, end date, erasure date) as the console shows them."""
    latest = latest_subscription(practice.id)
    ends_on = latest.ends_on if latest is not None else None
    erasure_on = erasure_date_after(ends_on) if ends_on is not None else None
    if practice.status == PracticeStatus.SUSPENDED:
        return "suspended", ends_on, erasure_on
    if ends_on is not None and ends_on < (on or today()):
        # "erasure_due": the retention job erases the special data on its next run.
        return ("erasure_due" if erasure_on <= (on or today()) else "ended"), ends_on, erasure_on
    return "active", ends_on, erasure_on


def practice_row(practice: Practice) -> PracticeRow:
    status, ends_on, erasure_on = display_status(practice)
    return PracticeRow(practice.id, practice.slug, practice.name, status, ends_on, erasure_on, people_counts(practice.slug))


def count_pages() -> int:
    total = db.session.scalar(select(func.count()).select_from(Practice)) or 0
    return max(1, -(-total // PAGE_SIZE))


def practice_page(page: int) -> list[PracticeRow]:
    """One page of the practice list, by slug."""
    practices = db.session.scalars(
        select(Practice).order_by(Practice.slug).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return [practice_row(p) for p in practices]


def practice_by_id(practice_id: int) -> Practice | None:
    return db.session.get(Practice, practice_id)


def set_suspended(practice_id: int, suspended: bool) -> Practice:
    """Suspend (nobody of the practice gets in) or reactivate a practice (commits)."""
    with writing():
        practice = _practice_or_error(practice_id)
        wanted = PracticeStatus.SUSPENDED if suspended else PracticeStatus.ACTIVE
        if practice.status != wanted:
            practice.status = wanted
            console_event("practice.suspended" if suspended else "practice.reactivated", "practice", practice.id)
        db.session.commit()
    return practice


def console_events_page(page: int) -> tuple[list[tuple[ConsoleEvent, str | None]], bool]:
    """One page of console events, newest first, with the acting operator's e-mail; and whether more follow."""
    rows = db.session.execute(
        select(ConsoleEvent, Operator.email)
        .outerjoin(Operator, Operator.id == ConsoleEvent.operator_id)
        .order_by(ConsoleEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return [(event, email) for event, email in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE
