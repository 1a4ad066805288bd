"""A session that sends practice models to the current practice's file."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

TENANT_BIND_KEY = "tenant"


class NoPracticeSelected(RuntimeError):
    """A practice model was used while no practice was selected."""


def _table_of(mapper: Any, clause: Any) -> sa.Table | None:
    """The table a statement works on, when it can be told."""
    if mapper is not None:
        table = sa.inspect(mapper).persist_selectable
        if isinstance(table, sa.Table):
            return table
    if isinstance(clause, sa.Table):
        return clause
    if isinstance(clause, sa.UpdateBase) and isinstance(clause.table, sa.Table):
        return clause.table
    if isinstance(clause, sa.Select):
        for from_ in clause.get_final_froms():
            for table in sa.sql.util.find_tables(from_):
                return table
    return None


class RoutingSession(Session):
    """Flask-SQLAlchemy session that resolves the 'tenant' bind per request."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is not None:
            return bind
        table = _table_of(mapper, clause)
        if table is not None and table.metadata.info.get("bind_key") == TENANT_BIND_KEY:
            # Imported here: the context module needs the app, this module must not.
            from app.tenancy.context import current_engine

            return current_engine()
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
