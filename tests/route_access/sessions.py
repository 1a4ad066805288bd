"""Routes of the sessions page and the password confirmation (app/accounts/routes.py): a person's own only."""
from __future__ import annotations

from tests.route_access import Route, signed_in_only


def setup(app, world) -> dict[str, object]:
    return {}


ROUTES = [
    Route("practice.accounts.confirm_password", expect=signed_in_only(200)),
    Route("practice.accounts.confirm_password", "POST", data={"password": "not-the-password-1"},
          expect=signed_in_only(422)),
    Route("practice.accounts.sessions_page", expect=signed_in_only(200)),
    # Nobody's session has this id: unknown and foreign ids both answer 404.
    Route("practice.accounts.end_session", "POST", values=lambda ids: {"session_id": 999999},
          expect=signed_in_only(404)),
    Route("practice.accounts.end_other_sessions", "POST", expect=signed_in_only(303)),
]
