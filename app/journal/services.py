"""The client's journal: private entries, shared with their coaches one at a time."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.access import can_view_client
from app.extensions import db
from app.journal.models import JournalEntry
from app.timeutil import utcnow

FIELDS = ("entry_date", "mood", "text")


def may_read(viewer: User, entry: JournalEntry, client: User) -> bool:
    """The client reads all of their entries; their coaches only the shared ones."""
    if not can_view_client(viewer, client):
        return False
    return viewer.role == Role.CLIENT or entry.is_shared


def get_entry_or_404(entry_id: int, *, own: bool = False) -> JournalEntry:
    """The entry if the signed-in person may read it (with own=True: is its author); 404 otherwise."""
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None:
        abort(404)
    client = db.session.get(User, entry.client_id)
    if client is None or not may_read(current_user, entry, client):
        abort(404)
    if own and current_user.id != entry.client_id:
        abort(404)
    return entry


def _ordered(query: Any) -> list[JournalEntry]:
    return list(db.session.scalars(query.order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc())))


def entries_of(client: User) -> list[JournalEntry]:
    """All of the client's entries, newest first (for the client themself)."""
    return _ordered(select(JournalEntry).where(JournalEntry.client_id == client.id))


def shared_entries_of(client: User) -> list[JournalEntry]:
    """The entries the client shared with their coaches, newest first."""
    return _ordered(
        select(JournalEntry).where(JournalEntry.client_id == client.id, JournalEntry.shared_at.is_not(None))
    )


def create_entry(client: User, values: dict[str, Any]) -> JournalEntry:
    """A new private entry (not committed)."""
    entry = JournalEntry(client_id=client.id, entry_date=values["entry_date"], text=values["text"])
    entry.mood = values["mood"]
    db.session.add(entry)
    db.session.flush()
    audit("journal.create", "journal_entry", entry.id, actor=client)
    return entry


def update_entry(client: User, entry: JournalEntry, values: dict[str, Any]) -> list[str]:
    """Save changed fields; return their names (not committed)."""
    changed = [name for name in FIELDS if getattr(entry, name) != values[name]]
    for name in changed:
        setattr(entry, name, values[name])
    if changed:
        entry.updated_at = utcnow()
        audit("journal.update", "journal_entry", entry.id, actor=client, detail={"fields": changed})
    return changed


def delete_entry(client: User, entry: JournalEntry) -> None:
    """Delete an entry (not committed)."""
    audit("journal.delete", "journal_entry", entry.id, actor=client)
    db.session.delete(entry)


def set_shared(client: User, entry: JournalEntry, shared: bool) -> None:
    """Share the entry with the client's coaches, or take it back (not committed)."""
    if shared == entry.is_shared:
        return
    entry.shared_at = utcnow() if shared else None
    audit("journal.share" if shared else "journal.unshare", "journal_entry", entry.id, actor=client)
