"""Messages: reading and writing a client's thread, and counting what is unread."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import visible_clients
from app.extensions import db
from app.web.urls import practice_path
from app.messages.models import Message, ThreadRead
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.timeutil import utcnow

THREAD_LIMIT = 200
PREVIEW_COUNT = 3


@dataclass(frozen=True)
class ThreadView:
    """A thread as one person sees it: its newest messages, their authors, and what was new."""

    client: User
    messages: list[Message]
    authors: dict[int, User]
    new_ids: set[int]
    truncated: bool


@dataclass(frozen=True)
class ThreadSummary:
    """A row of a coach's message list: no content, only who, how many unread, and when."""

    client: User
    unread: int
    last_at: datetime | None


def _not_by(viewer: User):  # type: ignore[no-untyped-def]
    return or_(Message.author_id.is_(None), Message.author_id != viewer.id)


def _last_read(viewer: User, client_id: int) -> ThreadRead | None:
    return db.session.scalar(
        select(ThreadRead).where(ThreadRead.client_id == client_id, ThreadRead.user_id == viewer.id)
    )


def _authors(messages: list[Message]) -> dict[int, User]:
    ids = {m.author_id for m in messages if m.author_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _newest(client: User, limit: int) -> list[Message]:
    rows = db.session.scalars(
        select(Message).where(Message.client_id == client.id).order_by(Message.id.desc()).limit(limit)
    ).all()
    return list(reversed(rows))


def read_thread(viewer: User, client: User) -> ThreadView:
    """The newest messages of client's thread for viewer; marks them read and audits the read (commit after)."""
    messages = _newest(client, THREAD_LIMIT + 1)
    truncated = len(messages) > THREAD_LIMIT
    messages = messages[-THREAD_LIMIT:]
    pointer = _last_read(viewer, client.id)
    seen = pointer.last_read_message_id if pointer else 0
    new_ids = {m.id for m in messages if m.id > seen and m.author_id != viewer.id}
    newest_id = messages[-1].id if messages else 0
    if pointer is None:
        db.session.add(ThreadRead(client_id=client.id, user_id=viewer.id, last_read_message_id=newest_id))
    elif newest_id > pointer.last_read_message_id:
        pointer.last_read_message_id, pointer.read_at = newest_id, utcnow()
    audit("messages.read", "client", client.id, actor=viewer, detail={"messages": len(messages)})
    return ThreadView(client, messages, _authors(messages), new_ids, truncated)


def preview(viewer: User, client: User) -> ThreadView:
    """The few newest messages for the dossier, without marking them read (the dossier audits its reads)."""
    messages = _newest(client, PREVIEW_COUNT)
    pointer = _last_read(viewer, client.id)
    seen = pointer.last_read_message_id if pointer else 0
    new_ids = {m.id for m in messages if m.id > seen and m.author_id != viewer.id}
    return ThreadView(client, messages, _authors(messages), new_ids, truncated=False)


def send(author: User, client: User, body: str) -> Message:
    """Append a message to client's thread, audit it and notify the other party (commit after)."""
    body = body.strip()
    if not body:
        raise ValueError("a message needs text")
    message = Message(client_id=client.id, author_id=author.id, body=body)
    db.session.add(message)
    db.session.flush()
    audit("message.sent", "message", message.id, actor=author, detail={"client_id": client.id})
    if author.id == client.id:
        recipients = accounts.coaches_of(client)
        url = practice_path("practice.messages.thread", client_id=client.id)
    else:
        recipients = [client]
        url = practice_path("practice.messages.own")
    for recipient in recipients:
        if recipient.id != author.id:
            notify(recipient, NotificationKind.MESSAGE, url, actor=author, about=client)
    return message


def unread_counts(viewer: User) -> dict[int, int]:
    """Per client thread viewer may see: how many messages by others viewer has not read yet."""
    if viewer.role not in (Role.COACH, Role.CLIENT):
        return {}
    rows = db.session.execute(_unread_messages(viewer, Message.client_id, func.count()).group_by(Message.client_id))
    return {client_id: count for client_id, count in rows}


def clients_with_unread(viewer: User) -> Select[tuple[int]]:
    """A query of the ids of client threads in which viewer has unread messages (for filters)."""
    return _unread_messages(viewer, Message.client_id)


def _unread_messages(viewer: User, *columns: Any) -> Select[Any]:
    """The chosen columns of messages by others that viewer has not read, in threads viewer may see."""
    thread_ids = visible_clients(viewer).with_only_columns(User.id)
    return (
        select(*columns)
        .select_from(Message)
        .outerjoin(ThreadRead, and_(ThreadRead.client_id == Message.client_id, ThreadRead.user_id == viewer.id))
        .where(
            Message.client_id.in_(thread_ids),
            _not_by(viewer),
            Message.id > func.coalesce(ThreadRead.last_read_message_id, 0),
        )
    )


def unread_total(viewer: User) -> int:
    """How many messages viewer has not read, over all threads they may see."""
    return sum(unread_counts(viewer).values())


def unread_in(viewer: User, client: User) -> int:
    """How many messages of client's thread viewer has not read."""
    return db.session.scalar(
        select(func.count())
        .select_from(Message)
        .outerjoin(ThreadRead, and_(ThreadRead.client_id == Message.client_id, ThreadRead.user_id == viewer.id))
        .where(
            Message.client_id == client.id,
            _not_by(viewer),
            Message.id > func.coalesce(ThreadRead.last_read_message_id, 0),
        )
    ) or 0


def threads_of(coach: User) -> list[ThreadSummary]:
    """The threads of the clients coach may see: unread ones first, then the most recent."""
    clients = list(db.session.scalars(visible_clients(coach).order_by(User.last_name, User.first_name)))
    unread = unread_counts(coach)
    last = dict(
        db.session.execute(
            select(Message.client_id, func.max(Message.created_at))
            .where(Message.client_id.in_(visible_clients(coach).with_only_columns(User.id)))
            .group_by(Message.client_id)
        ).all()
    )
    summaries = [ThreadSummary(c, unread.get(c.id, 0), last.get(c.id)) for c in clients]
    # Stable sorts: by recency, then unread threads to the top.
    summaries.sort(key=lambda s: s.last_at.isoformat() if s.last_at else "", reverse=True)
    summaries.sort(key=lambda s: s.unread == 0)
    return summaries

