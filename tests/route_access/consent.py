"""Routes of the consent package."""
from __future__ import annotations

from app.consent import services
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """The consent text in force (version 1; carol and dave consented to it in the world)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        return {"carol": world.ids["carol"], "version": services.current_version().id}


def _carol(ids: dict[str, int]) -> dict[str, object]:
    return {"user_id": ids["carol"]}


def admin_only(admin: int | set[int] = 200) -> dict[str, int | set[int]]:
    return for_roles(coach=403, client=403, admin=admin)


ROUTES = [
    Route("practice.consent.give", "GET", expect=for_roles(coach=403, client=200, admin=403)),
    Route("practice.consent.texts", "GET", expect=admin_only()),
    Route("practice.consent.people", "GET", expect=admin_only()),
    Route("practice.consent.person", "GET", values=_carol, expect=admin_only()),
    # Consenting again to the text in force changes nothing, and goes on.
    Route("practice.consent.give", "POST", data={"agree": "y", "version": "1"},
          expect=for_roles(coach=403, client=303, admin=403)),
    Route("practice.consent.marketing", "POST", data={"news": "y"}, expect=for_roles(coach=303, client=403, admin=303)),
    Route("practice.consent.texts", "POST", data={"body_nl": "Nieuwe tekst.", "body_en": "New text."},
          expect=admin_only(303)),
    # The admin just published version 2: carol's consent to it arrived on paper.
    Route("practice.consent.record", "POST", values=_carol, data={"give-how": "paper"}, expect=admin_only(303)),
    Route("practice.consent.record_withdrawal", "POST", values=_carol, data={"withdraw-how": "email"},
          expect=admin_only(303)),
    # Last: it withdraws the client's consent (and restricts the dossier).
    Route("practice.consent.withdraw", "POST", data={"confirm": "y"}, expect=for_roles(coach=403, client=303, admin=403)),
]
