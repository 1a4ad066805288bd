"""Writing and verifying the hash-chained audit log of a practice."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import select

from app.audit.models import AuditAnchor, AuditEvent
from app.audit.subjects import subject_of
from app.extensions import db
from app.tenancy.context import current_practice
from app.tenancy.sqlite import writing
from app.timeutil import utcnow

GENESIS_HASH = "0" * 64


def _event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The chain hash of an event: its fields and the previous event's hash."""
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "origin": event.origin,
        "detail": event.detail,
        # Only in the hash when set, so events written before subjects existed still verify.
        **({"subject_id": event.subject_id} if event.subject_id is not None else {}),
    }


def current_origin() -> str:
    """Where the current work comes from: the web, a command or a job."""
    if has_request_context():
        return "web"
    return g.get("koers_origin", "cli")


def audit(
    action: str,
    object_type: str,
    object_id: int | None = None,
    *,
    actor: Any = None,
    detail: dict[str, Any] | None = None,
    subject_id: int | None = None,
) -> AuditEvent:
    """Append an event to the current practice's audit log, in the caller's transaction.

    `detail` holds ids, field names and reasons only, never personal data itself;
    `subject_id` (found from the object when not given) is the person the event is about.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    # Flushing first puts earlier events of this transaction in the chain before this one;
    # the IMMEDIATE transaction keeps other writers out until commit.
    db.session.flush()
    prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None) or ("system" if not has_request_context() else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        origin=current_origin(),
        detail=json.dumps(detail, sort_keys=True) if detail else None,
        subject_id=subject_id if subject_id is not None else subject_of(object_type, object_id, detail),
        prev_hash=prev or GENESIS_HASH,
    )
    event.hash = _event_hash(event.prev_hash, _fields(event))
    db.session.add(event)
    db.session.flush()
    return event


def audit_change(
    action: str,
    object_type: str,
    object_id: int,
    changes: dict[str, tuple[Any, Any]],
    *,
    actor: Any = None,
) -> AuditEvent:
    """Audit a correction: the event names the fields, the values go to encrypted audit_changes rows."""
    from app.audit.models import AuditChange

    event = audit(action, object_type, object_id, actor=actor, detail={"fields": sorted(changes)})
    for field, (before, after) in changes.items():
        db.session.add(
            AuditChange(
                event_id=event.id,
                field=field,
                before=None if before is None else str(before),
                after=None if after is None else str(after),
            )
        )
    return event


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking an audit chain."""

    events: int
    first_broken_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _anchor() -> AuditAnchor | None:
    return db.session.scalar(select(AuditAnchor).where(AuditAnchor.practice_slug == current_practice().slug))


def verify_chain() -> ChainReport:
    """Recompute the current practice's chain and report the first row that does not fit."""
    anchor = _anchor()
    anchored_seen = anchor is None
    prev_hash = GENESIS_HASH
    count = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        count += 1
        if event.prev_hash != prev_hash:
            return ChainReport(count, event.id, "does not follow the previous event (removed or reordered rows)")
        if _event_hash(prev_hash, _fields(event)) != event.hash:
            return ChainReport(count, event.id, "its content does not match its hash (edited row)")
        if anchor is not None and event.id == anchor.event_id:
            if event.hash != anchor.event_hash:
                return ChainReport(count, event.id, "differs from the event anchored in the platform store (rewritten chain)")
            anchored_seen = True
        prev_hash = event.hash
    if not anchored_seen:
        return ChainReport(
            count,
            anchor.event_id,
            f"is missing, though it was anchored on {anchor.anchored_at:%Y-%m-%d %H:%M} UTC (events removed from the end)",
        )
    return ChainReport(count, None, None)


def anchor_chain() -> dict[str, int]:
    """Record the current practice's newest event in the platform store (commit after)."""
    newest = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if newest is None:
        return {"anchored": 0}
    with writing():
        anchor = _anchor()
        if anchor is None:
            anchor = AuditAnchor(practice_slug=current_practice().slug)
            db.session.add(anchor)
        anchor.event_id, anchor.event_hash, anchor.anchored_at = newest.id, newest.hash, utcnow()
        db.session.flush()
    return {"anchored": 1}
