"""A session that sends practice models to the current practice's file."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

TENANT_BIND_KEY = "tenant"


class NoPracticeSelected(RuntimeError):
    """A practice model was used while no practice was selected."""


def _is_tenant(table: Any) -> bool:
    return isinstance(table, sa.Table) and table.metadata.info.get("bind_key") == TENANT_BIND_KEY


def _touches_practice_tables(mapper: Any, clause: Any) -> bool:
    """True when the statement reads or writes a practice table (also inside EXISTS or subqueries)."""
    if mapper is not None and _is_tenant(sa.inspect(mapper).persist_selectable):
        return True
    if isinstance(clause, sa.Table):
        return _is_tenant(clause)
    if isinstance(clause, sa.UpdateBase):
        return _is_tenant(clause.table)
    if isinstance(clause, sa.sql.ClauseElement):
        # A platform table and a practice table never meet in one statement: they live in different files.
        return any(_is_tenant(t) for t in sa.sql.util.find_tables(clause, check_columns=True, include_aliases=True))
    return False


class RoutingSession(Session):
    """Flask-SQLAlchemy session that resolves the 'tenant' bind per request."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is not None:
            return bind
        if _touches_practice_tables(mapper, clause):
            # Imported here: the context module needs the app, this module must not.
            from app.tenancy.context import current_engine

            return current_engine()
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
