"""Rule "practices.special_data": two years after a practice's subscription ended, its special data goes.

On the erasure date (end date + SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION years; an end on 29 February
counts from 28 February) the practice file and its data key are destroyed (so encrypted backups of it
become unreadable too), its export folder is removed, and its platform row is marked "erased" with the
time: the row stays, since invoices and the run record name it, and its slug is never reused.
Thirty and seven days before that date, every active practice admin gets a reminder with a link to
export; each reminder is recorded in `retention_reminders` in the same transaction that queues the mail,
taken with BEGIN IMMEDIATE, so it is sent once, also when two schedulers run at once.
"""
from __future__ import annotations

import logging
import shutil
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date
from sqlalchemy import select

from app.accounts.models import Role, User
from app.backup.services import register_practice_erasure
from app.console import services as console
from app.extensions import db
from app.mail.services import send_after_commit
from app.privacy.periods import SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION
from app.retention.models import ReminderKind, RetentionReminder
from app.retention.rules import retention_rule
from app.tenancy.context import use_practice
from app.tenancy.models import Practice, PracticeStatus
from app.tenancy.services import remove_practice_files, to_ref
from app.tenancy.sqlite import writing
from app.timeutil import utcnow
from app.web.urls import external_url

log = logging.getLogger(__name__)


def subscription_end(slug: str) -> date | None:
    """The end date of the practice's latest subscription, None while open-ended (the console's answer)."""
    return console.subscription_end(slug)


def erasure_date(end: date) -> date:
    """The day a practice's special data is erased, given its subscription's end date (the console shows the same)."""
    return console.erasure_date_after(end)


def erasure_date_of(slug: str) -> date | None:
    """When the practice's special data will be erased, or None while its subscription runs."""
    end = subscription_end(slug)
    return erasure_date(end) if end is not None else None


def _reminder_due(today: date, erase_on: date) -> str | None:
    """The most urgent reminder whose time has come, or None."""
    for kind in (ReminderKind.DAYS_7, ReminderKind.DAYS_30):
        if (erase_on - today).days <= ReminderKind.DAYS[kind]:
            return kind
    return None


def _remind(practice: Practice, kind: str, erase_on: date, dry_run: bool) -> int:
    """Queue the reminder to every active admin and record it, once; returns 1 when (it would be) sent."""
    ref = to_ref(practice)
    practice_id = practice.id
    # IMMEDIATE on the platform store: a second scheduler waits, then sees the record.
    with use_practice(ref), writing():
        sent = db.session.scalar(select(RetentionReminder.id).where(
            RetentionReminder.practice_id == practice_id, RetentionReminder.kind == kind,
            RetentionReminder.erase_on == erase_on.isoformat(),
        ))
        if sent is not None:
            db.session.rollback()
            return 0
        if dry_run:
            db.session.rollback()
            return 1
        admins = db.session.scalars(
            select(User).where(User.role == Role.PRACTICE_ADMIN, User.active.is_(True))
        ).all()
        link = external_url("practice.archive.index", practice=ref.slug)
        for admin in admins:
            with force_locale(admin.locale or current_app.config["DEFAULT_LOCALE"]):
                send_after_commit(
                    admin.email, "retention_reminder", practice_name=ref.name,
                    erase_on=format_date(erase_on, "long"), days=ReminderKind.DAYS[kind], link=link,
                )
        db.session.add(RetentionReminder(practice_id=practice_id, kind=kind, erase_on=erase_on.isoformat(),
                                         sent_at=utcnow()))
        db.session.commit()  # the mail leaves after this commit
    return 1


def _erase(slug: str, now: datetime) -> None:
    """Destroy the practice's file, key and export folder, then mark its row erased (rerun-safe)."""
    remove_practice_files(slug)
    register_practice_erasure(slug)  # a restore of an older backup removes it again (app/backup)
    shutil.rmtree(Path(current_app.instance_path) / "exports" / slug, ignore_errors=True)
    db.session.rollback()
    with writing():
        practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
        if practice is not None:
            practice.status, practice.erased_at = PracticeStatus.ERASED, now
        db.session.commit()
    log.warning("special data of practice %s erased: its subscription ended over %d years ago",
                slug, SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION)


@retention_rule("practices.special_data", per_practice=False, order=30)
def erase_special_data(now: datetime, dry_run: bool) -> dict[str, int]:
    """Remind, then erase, practices whose subscription ended two years ago."""
    today = now.date()
    counts = {"practices_erased": 0, "reminders_30_days": 0, "reminders_7_days": 0}
    practices = db.session.scalars(
        select(Practice).where(Practice.status != PracticeStatus.ERASED).order_by(Practice.slug)
    ).all()
    db.session.expunge_all()
    failed: list[str] = []
    for practice in practices:
        # One practice's trouble (say, its file went missing) must not hold up the others.
        try:
            end = subscription_end(practice.slug)
            if end is None:
                continue
            erase_on = erasure_date(end)
            if today >= erase_on:
                if not dry_run:
                    _erase(practice.slug, now)
                counts["practices_erased"] += 1
                continue
            kind = _reminder_due(today, erase_on)
            if kind is not None:
                counts[f"reminders_{kind}"] += _remind(practice, kind, erase_on, dry_run)
        except Exception as error:  # noqa: BLE001 (reported at the end; the other practices go on)
            db.session.rollback()
            log.error("special-data rule failed for practice %s: %s", practice.slug, type(error).__name__)
            failed.append(practice.slug)
    if failed:
        # The others are done and committed; the run is recorded as failed for this rule, and a rerun finishes.
        raise SpecialDataIncomplete(failed)
    return counts


class SpecialDataIncomplete(RuntimeError):
    """The rule could not finish for some practices (their slugs); the rest was done."""
