"""Routes of the journal package."""
from __future__ import annotations

from datetime import date

from app.accounts import services as accounts
from app.extensions import db
from app.journal import services as journal
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"
ENTRY = {"entry_date": "2026-03-02", "mood": "3", "text": "Vandaag"}


def setup(app, world) -> dict[str, int]:
    """A private and a shared journal entry of carol's."""
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        values = {"entry_date": date(2026, 3, 1), "mood": 4, "text": "Vandaag"}
        private = journal.create_entry(carol, values)
        shared = journal.create_entry(carol, values)
        journal.set_shared(carol, shared, True)
        db.session.commit()
        return {"private": private.id, "shared": shared.id}


# The client's own pages: coaches and admins are refused by role, another client finds nothing.
own_only = {**own_client_expectations(coach=403, client=200), "bob": 403, "admin": 403}


def _ok(status: int) -> dict:
    return {**own_only, "carol": status}


ROUTES = [
    Route("practice.journal.index", expect=for_roles(403, 200, 403)),
    Route("practice.journal.new", expect=for_roles(403, 200, 403)),
    Route("practice.journal.view", values=lambda ids: {"entry_id": ids["private"]},
          expect={**own_client_expectations(coach=404, client=200), "admin": 403}),
    Route("practice.journal.view", values=lambda ids: {"entry_id": ids["shared"]},
          expect={**own_client_expectations(coach=200, client=200), "admin": 403}),
    Route("practice.journal.edit", values=lambda ids: {"entry_id": ids["private"]}, expect=own_only),
    Route("practice.journal.delete", values=lambda ids: {"entry_id": ids["private"]}, expect=own_only),
    Route("practice.journal.new", "POST", data=ENTRY, expect=for_roles(403, 303, 403)),
    Route("practice.journal.new", "POST", data={**ENTRY, "mood": "9"}, expect=for_roles(403, 422, 403)),
    Route("practice.journal.edit", "POST", values=lambda ids: {"entry_id": ids["private"]}, data=ENTRY, expect=_ok(303)),
    Route("practice.journal.share", "POST", values=lambda ids: {"entry_id": ids["private"]}, data={"shared": "1"},
          expect=_ok(303)),
    Route("practice.journal.share", "POST", values=lambda ids: {"entry_id": ids["shared"]}, data={"shared": "x"},
          expect=_ok(400)),
    Route("practice.journal.delete", "POST", values=lambda ids: {"entry_id": ids["private"]}, expect=_ok(303)),
]
