"""Telling people something new happened: in the app, and by e-mail if they want."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.extensions import db
from app.mail.services import send_after_commit
from app.notifications.models import Notification, NotificationKind
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.web.urls import external_url


def notify(recipient: User, kind: str, url: str, actor: User | None = None, about: User | None = None) -> Notification:
    """Record a notice for recipient and queue the e-mail (sent on commit); url is a path of ids.

    No e-mail goes out when the recipient or the client it is `about` has a restricted dossier
    (the notice in the app is still recorded).
    """
    if kind not in NotificationKind.ALL:
        raise ValueError(f"unknown notification kind {kind!r}")
    notice = Notification(user_id=recipient.id, kind=kind, url=url, actor_id=actor.id if actor else None)
    db.session.add(notice)
    db.session.flush()
    if recipient.active and recipient.password_hash and recipient.email_notifications and not _restricted(recipient, about):
        with force_locale(recipient.locale or current_app.config["DEFAULT_LOCALE"]):
            # Only that there is something new, and where: never what it is about.
            send_after_commit(
                recipient.email,
                "notification",
                practice_name=current_practice().name,
                link=external_url(
                    "practice.notifications.open", practice=current_practice().slug, notification_id=notice.id
                ),
            )
    return notice


def _restricted(recipient: User, about: User | None) -> bool:
    from app.restrictions.services import is_restricted

    return is_restricted(recipient) or is_restricted(about)


def unread_count(user: User) -> int:
    """How many notices user has not opened."""
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    """The user's newest notices."""
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
        )
    )


def notice_for(user: User, notification_id: int) -> Notification | None:
    """The notice with this id if it is user's own."""
    notice = db.session.get(Notification, notification_id)
    return notice if notice is not None and notice.user_id == user.id else None


def mark_read(notice: Notification) -> None:
    """Mark one notice as read (not committed)."""
    if notice.read_at is None:
        notice.read_at = utcnow()


def mark_all_read(user: User) -> None:
    """Mark every notice of user as read (not committed)."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
