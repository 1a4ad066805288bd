"""Routes of the restrictions package."""
from __future__ import annotations

from tests.route_access import Route, for_roles


def setup(app, world) -> dict[str, int]:
    return {"carol": world.ids["carol"]}


def _carol(ids: dict[str, int]) -> dict[str, object]:
    return {"client_id": ids["carol"]}


ADMIN_ONLY = for_roles(coach=403, client=403, admin=200)

ROUTES = [
    Route("practice.restrictions.index", "GET", expect=ADMIN_ONLY),
    Route("practice.restrictions.start", "POST", values=_carol, data={"reason": "objection"},
          expect=for_roles(coach=403, client=403, admin=303)),
    Route("practice.restrictions.lift", "POST", values=_carol, data={"note": "The objection was handled."},
          expect=for_roles(coach=403, client=403, admin=303)),
]
