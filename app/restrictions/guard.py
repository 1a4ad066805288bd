"""The guard: a restricted client's dossier accepts no new special data, whoever writes it.

A `before_flush` listener on the session class looks at what a flush would write. For a
restricted client it refuses (with DossierRestricted) any new row of a special-data model
that belongs to that client, and any change to an encrypted column of such a row. Deletes
pass (erasure must stay possible), and so do changes of plain columns (marking read, status).

Which models are special data, and whose they are, is found from the models themselves:
a practice table with an encrypted column belongs to the client in its `client_id` column
(`user_id` for client_profiles), or to the client of the parent row it cascades from
(exercise_answers -> exercise_assignments, report_versions -> session_reports, ...).
Tables of the rights machinery and the audit trail are exempt: withdrawing consent, filing
a request or correcting contact details must work for a restricted client too.

The guard sees what goes through the ORM's unit of work. Core statements (`session.execute(
insert(...))`) pass it by design: only the archive import writes special data that way, and it
must restore a restricted dossier as it was.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session

from app.tenancy.session import TENANT_BIND_KEY
from app.vault.fields import EncryptedBytes

# Never guarded: people's accounts (contact details are corrected, not coached), the audit
# trail, and the tables that record how a person uses their rights.
_EXEMPT_TABLES = {
    "users", "audit_events", "audit_changes",
    "restrictions", "consents", "consent_versions", "marketing_opt_ins",
    "data_requests", "export_jobs", "privacy_settings", "processors",
}
# Tables whose client is named by another column than client_id.
_OWNER_COLUMNS = {"client_profiles": "user_id"}
_BYPASS = "koers_restriction_guard_off"


def exempt_table(name: str) -> None:
    """Leave a table out of the guard (a feature's own bookkeeping that must work while restricted)."""
    _EXEMPT_TABLES.add(name)
    _PLANS.clear()


@contextmanager
def guard_suspended(session: Session) -> Iterator[None]:
    """Let this session write restricted dossiers for the block (importing a whole archive, say)."""
    before = session.info.get(_BYPASS)
    session.info[_BYPASS] = True
    try:
        yield
    finally:
        if before is None:
            session.info.pop(_BYPASS, None)
        else:
            session.info[_BYPASS] = before


@dataclass(frozen=True)
class _Owner:
    """How to find a row's client: a column (and its relationship), directly or through a parent row."""

    attribute: str
    relation: str | None
    parent: Mapper[Any] | None  # None: the attribute holds the client's id itself
    encrypted: tuple[str, ...]  # attribute names of the encrypted columns


_PLANS: dict[Mapper[Any], _Owner | None] = {}


def _mappers() -> list[Mapper[Any]]:
    from app.extensions import db

    return [m for m in db.Model.registry.mappers if not m.class_.__dict__.get("__abstract__")]


def _mapper_of(table: sa.Table) -> Mapper[Any] | None:
    return next((m for m in _mappers() if m.local_table is table), None)


def _relation_for(mapper: Mapper[Any], column: sa.Column[Any]) -> str | None:
    for relation in mapper.relationships:
        if relation.direction.name == "MANYTOONE" and column in relation.local_columns:
            return relation.key
    return None


def _path(mapper: Mapper[Any], depth: int = 0) -> tuple[str, str | None, Mapper[Any] | None] | None:
    """(attribute, relation, parent mapper) leading from mapper's rows to their client, if any."""
    table = mapper.local_table
    if not isinstance(table, sa.Table) or depth > 4:
        return None
    owner = _OWNER_COLUMNS.get(table.name, "client_id")
    if owner in table.c and any(fk.column.table.name == "users" for fk in table.c[owner].foreign_keys):
        column = table.c[owner]
        return mapper.get_property_by_column(column).key, _relation_for(mapper, column), None
    # A child row belongs to the client of the parent it is deleted with.
    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        if (fk.ondelete or "").upper() != "CASCADE" or fk.column.table.name == "users":
            continue
        parent = _mapper_of(fk.column.table)  # type: ignore[arg-type]
        if parent is not None and _path(parent, depth + 1) is not None:
            return mapper.get_property_by_column(fk.parent).key, _relation_for(mapper, fk.parent), parent
    return None


def _plan(mapper: Mapper[Any]) -> _Owner | None:
    """How the guard treats rows of this model (None: not special data, or nobody's)."""
    if mapper in _PLANS:
        return _PLANS[mapper]
    plan = None
    table = mapper.local_table
    if (
        isinstance(table, sa.Table)
        and table.metadata.info.get("bind_key") == TENANT_BIND_KEY
        and table.name not in _EXEMPT_TABLES
    ):
        encrypted = tuple(
            mapper.get_property_by_column(c).key for c in table.columns if isinstance(c.type, EncryptedBytes)
        )
        path = _path(mapper) if encrypted else None
        if path is not None:
            plan = _Owner(path[0], path[1], path[2], encrypted)
    _PLANS[mapper] = plan
    return plan


def _client_id(session: Session, obj: Any, mapper: Mapper[Any], plan: _Owner) -> int | None:
    """The id of the client obj belongs to (following parents), or None."""
    related = None
    value = getattr(obj, plan.attribute)
    if value is None and plan.relation:
        related = getattr(obj, plan.relation)
        if related is None:
            return None
        if plan.parent is None:
            return getattr(related, "id", None)
    if plan.parent is None:
        return value
    parent = related if related is not None else session.get(plan.parent.class_, value)
    parent_plan = _path(plan.parent)
    if parent is None or parent_plan is None:
        return None
    return _client_id(session, parent, plan.parent, _Owner(*parent_plan, encrypted=()))


def _changes_special_data(obj: Any, plan: _Owner) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in plan.encrypted)


def _restricted(session: Session) -> dict[int, str]:
    """Restricted client ids with their reason: one query, corrected by what this flush itself changes."""
    from app.restrictions.models import Restriction
    from app.restrictions.services import restricted_client_ids

    restricted = restricted_client_ids()
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Restriction):
            if obj.lifted_at is None:
                restricted[obj.client_id] = obj.reason
            elif restricted.get(obj.client_id) == obj.reason:
                restricted.pop(obj.client_id, None)
    return restricted


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(_BYPASS):
        return
    candidates = []
    for obj in session.new:
        mapper = sa.inspect(obj).mapper
        plan = _plan(mapper)
        if plan is not None:
            candidates.append((obj, mapper, plan))
    for obj in session.dirty:
        mapper = sa.inspect(obj).mapper
        plan = _plan(mapper)
        if plan is not None and _changes_special_data(obj, plan):
            candidates.append((obj, mapper, plan))
    if not candidates:
        return
    restricted = _restricted(session)
    if not restricted:
        return
    from app.restrictions.services import DossierRestricted

    for obj, mapper, plan in candidates:
        client_id = _client_id(session, obj, mapper, plan)
        if client_id in restricted:
            raise DossierRestricted(client_id, restricted[client_id])


def guarded_tables() -> dict[str, str | None]:
    """Each guarded table with the parent table it belongs through (None: it names the client itself)."""
    found = {}
    for mapper in _mappers():
        plan = _plan(mapper)
        if plan is not None:
            found[mapper.local_table.name] = plan.parent.local_table.name if plan.parent is not None else None
    return found


def install(session_class: type[Session]) -> None:
    """Listen on every flush of sessions of session_class (once)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
