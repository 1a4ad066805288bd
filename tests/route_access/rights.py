"""Routes of the rights package: a person's own requests, the practice admin's workflow, erasure."""
from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.rights import services
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, signed_in_only

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """Two requests of carol's, registered by the admin from an e-mail (identity not yet checked)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = db.session.get(User, world.ids["carol"])
        admin = db.session.get(User, world.ids["admin"])
        steps = services.open_request(carol, "access", "email", admin, "Please show me my data")
        refused = services.open_request(carol, "erasure", "letter", admin)
        db.session.commit()
        return {"carol": carol.id, "alice": world.ids["alice"], "steps": steps.id, "refused": refused.id}


def _steps(ids):
    return {"request_id": ids["steps"]}


def _refused(ids):
    return {"request_id": ids["refused"]}


ADMIN_ONLY = for_roles(coach=403, client=403, admin=200)


def admin_only(status: int) -> dict:
    return for_roles(coach=403, client=403, admin=status)


ROUTES = [
    Route("practice.rights.mine", "GET", expect=signed_in_only(200)),
    Route("practice.rights.new", "GET", expect=signed_in_only(200)),
    Route("practice.rights.index", "GET", expect=ADMIN_ONLY),
    Route("practice.rights.badge", "GET", expect=ADMIN_ONLY),
    Route("practice.rights.register", "GET", expect=ADMIN_ONLY),
    Route("practice.rights.detail", "GET", values=_steps, expect=ADMIN_ONLY),
    Route("practice.rights.erase", "GET", values=lambda ids: {"client_id": ids["carol"]}, expect=ADMIN_ONLY),
    Route("practice.rights.new", "POST", data={"kind": "access", "note": ""}, expect=signed_in_only(303)),
    Route(
        "practice.rights.register", "POST",
        data={"person_id": "", "kind": "export", "channel": "phone", "received_on": "2025-01-02"},
        # No person chosen: refused with a message.
        expect=admin_only(422),
    ),
    Route(
        "practice.rights.confirm_identity", "POST", values=_steps,
        data={"method": "ID document shown"}, expect=admin_only(303),
    ),
    Route("practice.rights.start", "POST", values=_steps, expect=admin_only(303)),
    Route("practice.rights.complete", "POST", values=_steps, expect=admin_only(303)),
    Route(
        "practice.rights.refuse", "POST", values=_refused,
        data={"reason": "We could not confirm who you are."}, expect=admin_only(303),
    ),
    # A wrong name: nothing is erased (the erasure itself has its own tests).
    Route(
        "practice.rights.erase", "POST", values=lambda ids: {"client_id": ids["carol"]},
        data={"typed_name": "Somebody Else"}, expect=admin_only(422),
    ),
]
