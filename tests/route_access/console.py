"""Routes of the console package: practice people never reach a console page.

Practice personas carry a practice session cookie, which the console refuses with 404;
anonymous visitors are sent to the console's sign-in page.
"""
from __future__ import annotations

from app.console import operators
from app.extensions import db
from app.tenancy.models import Practice
from tests.route_access import Route, everyone

OPERATOR_EMAIL = "ops@koers.test"
OPERATOR_PASSWORD = "lantern-harbour-quince-42"


def make_operator(app, email: str = OPERATOR_EMAIL, name: str = "Oscar Operator"):
    """An operator account with OPERATOR_PASSWORD; returns its id."""
    with app.app_context():
        return operators.create_operator(email, name, OPERATOR_PASSWORD).id


def setup(app, world) -> dict[str, int]:
    """The id of praktijk-een in the platform store."""
    with app.app_context():
        practice_id = db.session.query(Practice.id).filter_by(slug="praktijk-een").scalar()
        return {"practice": practice_id}


def _console(anonymous: int = 302) -> dict[str, int | set[int]]:
    """Practice people get 404 on a console page, anonymous visitors the console sign-in."""
    return {**everyone(404), "anonymous": anonymous}


def _practice(ids: dict[str, int]) -> dict[str, object]:
    return {"practice_id": ids["practice"]}


ROUTES = [
    Route("console.login", in_practice=False, expect=everyone(200)),
    Route("console.login", "POST", in_practice=False, data={"email": "x@koers.test", "password": "wrong"},
          expect=everyone(422)),
    Route("console.index", in_practice=False, expect=_console()),
    # (console.logout is appended last, below: it ends the session.)
]

ROUTES += [
    Route("console.new_practice", in_practice=False, expect=_console()),
    Route("console.new_practice", "POST", in_practice=False, data={"slug": "", "name": ""}, expect=_console()),
    Route("console.practice", in_practice=False, values=_practice, expect=_console()),
    Route("console.suspend", "POST", in_practice=False, values=_practice, expect=_console()),
    Route("console.reactivate", "POST", in_practice=False, values=_practice, expect=_console()),
    Route("console.add_subscription", "POST", in_practice=False, values=_practice, data={"plan": ""}, expect=_console()),
    Route("console.end_subscription", "POST", in_practice=False, values=_practice, data={"ends_on": ""},
          expect=_console()),
]

ROUTES.append(Route("console.logout", "POST", in_practice=False, expect=_console()))
ROUTES.insert(0, Route("console.events", in_practice=False, expect=_console()))
