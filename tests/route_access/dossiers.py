"""Routes of the dossiers package."""
from __future__ import annotations

from datetime import date

from app.accounts import services as accounts
from app.extensions import db
from app.programmes.models import Programme, ProgrammeStatus
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """A client of alice's whose dossier is long overdue (her programme ended in 2000)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        client = accounts.create_user("client", "zoe@een.test", "Zoe", "Overdue")
        accounts.assign_coach(alice, client)
        db.session.add(Programme(client_id=client.id, title="Done", status=ProgrammeStatus.FINISHED,
                                 starts_on=date(1999, 1, 1), ended_on=date(2000, 1, 1)))
        db.session.commit()
        return {"zoe": client.id}


def _zoe(ids: dict[str, int]) -> dict[str, object]:
    return {"client_id": ids["zoe"]}


# Zoe is alice's client: bob gets 404, clients and the admin are turned away by role.
ALICE_ONLY = {"alice": 200, "bob": 404, "carol": 403, "dave": 403, "admin": 403, "eve": 302, "anonymous": 302}

ROUTES = [
    Route("practice.dossiers.due", "GET", expect=for_roles(coach=200, client=403, admin=200)),
    Route("practice.dossiers.policy", "GET", expect=for_roles(coach=403, client=403, admin=200)),
    Route("practice.dossiers.delete", "GET", values=_zoe, expect=ALICE_ONLY),
    Route("practice.dossiers.extend", "GET", values=_zoe, expect=ALICE_ONLY),
    # A wrong name: the page again with the error, and nothing deleted.
    Route("practice.dossiers.delete", "POST", values=_zoe, data={"typed_name": "Not Zoe"},
          expect={**ALICE_ONLY, "alice": 422}),
    Route("practice.dossiers.policy", "POST", data={"retention_cap_months": "120", "on_expiry": "erase"},
          expect=for_roles(coach=403, client=403, admin=303)),
    Route(
        "practice.dossiers.extend", "POST", values=_zoe,
        data={"months": "6", "reason": "Pending complaint"},
        expect={**ALICE_ONLY, "alice": 303},
    ),
]
