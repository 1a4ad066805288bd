"""Routes of the messages package."""
from __future__ import annotations

from app.accounts import services as accounts
from app.extensions import db
from app.messages.models import Message
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations, signed_in_only

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """A message carol wrote in her own thread."""
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        message = Message(client_id=carol.id, author_id=carol.id, body="Hello from carol")
        db.session.add(message)
        db.session.commit()
        return {"carol": carol.id, "message": message.id}


def _thread(ids: dict[str, int]) -> dict[str, object]:
    return {"client_id": ids["carol"]}


ROUTES = [
    Route("practice.messages.index", "GET", expect=for_roles(coach=200, client=403, admin=403)),
    Route("practice.messages.badge", "GET", expect=signed_in_only(200)),
    Route("practice.messages.own", "GET", expect=for_roles(coach=403, client=200, admin=403)),
    Route("practice.messages.thread", "GET", values=_thread, expect=own_client_expectations(coach=200, client=200)),
    Route(
        "practice.messages.send", "POST", values=_thread, data={"body": "A reply"},
        expect=own_client_expectations(coach=303, client=303),
    ),
]
