"""Routes of the foundation: sign-in, accounts, people, home, clients, notifications, the shell."""
from __future__ import annotations

from app.accounts import services as accounts
from app.accounts.models import TokenPurpose
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.tenancy.context import use_practice
from tests.route_access import Route, everyone, for_roles, own_client_expectations, signed_in_only

ONE = "praktijk-een"


def setup(app, world) -> dict[str, object]:
    """A notice for carol, an unused invitation and reset link."""
    from datetime import timedelta

    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        notice = notify(carol, NotificationKind.MESSAGE, f"/{ONE}/notifications/")
        invited = accounts.create_user("coach", "nieuw@een.test", "Nieuw", "Coach")
        invitation = accounts.issue_token(invited, TokenPurpose.INVITATION, timedelta(days=1))
        reset = accounts.issue_token(carol, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
        db.session.commit()
        return {
            "notice": notice.id, "invitation": invitation, "reset": reset,
            "carol": world.ids["carol"], "bob": world.ids["bob"], "invited": invited.id,
        }


# Signed-in people are sent on from the sign-in page (302); everyone else sees it.
_login_page = {"alice": 302, "bob": 302, "carol": 302, "dave": 302, "admin": 302, "eve": 200, "anonymous": 200}
_anyone_in_practice = everyone({200, 302, 303})

ROUTES = [
    Route("web.index", in_practice=False, expect=everyone(200)),
    Route("web.find", "POST", in_practice=False, data={"practice": ONE}, expect=everyone(303)),
    Route("web.healthz", in_practice=False, expect=everyone(200)),
    Route("web.switch_language", "POST", in_practice=False, data={"locale": "en"}, expect=everyone(303)),
    Route("practice.home.index", expect=everyone(302)),
    Route("practice.home.coach", expect=for_roles(200, 403, 403)),
    Route("practice.home.client", expect=for_roles(403, 200, 403)),
    Route("practice.accounts.login", expect=_login_page),
    Route("practice.accounts.login", "POST", data={"email": "x@een.test", "password": "wrong-password-1"},
          expect={**_login_page, "eve": 422, "anonymous": 422}),
    Route("practice.accounts.accept_invitation", values=lambda ids: {"token": ids["invitation"]}, expect=everyone(200)),
    Route("practice.accounts.accept_invitation", "POST", values=lambda ids: {"token": ids["invitation"]},
          data={"first_name": "", "last_name": "", "password": "", "confirm": ""}, expect=everyone(422)),
    Route("practice.accounts.forgot_password", expect=everyone(200)),
    Route("practice.accounts.reset_password", values=lambda ids: {"token": ids["reset"]}, expect=everyone(200)),
    Route("practice.accounts.reset_password", "POST", values=lambda ids: {"token": ids["reset"]},
          data={"password": "short", "confirm": "short"}, expect=everyone(422)),
    Route("practice.accounts.account", expect=signed_in_only(200)),
    Route("practice.accounts.account", "POST", data={"first_name": "", "last_name": ""}, expect=signed_in_only(422)),
    Route("practice.accounts.change_password", expect=signed_in_only(200)),
    Route("practice.accounts.change_password", "POST", data={"current_password": "nope"}, expect=signed_in_only(422)),
    Route("practice.accounts.switch_language", "POST", data={"locale": "en"}, expect=everyone(303)),
    Route("practice.people.index", expect=for_roles(403, 403, 200)),
    Route("practice.people.invite", "POST", data={"email": "bad"}, expect=for_roles(403, 403, 422)),
    Route("practice.people.resend", "POST", values=lambda ids: {"user_id": ids["invited"]}, expect=for_roles(403, 403, 303)),
    Route("practice.people.deactivate", "POST", values=lambda ids: {"user_id": ids["bob"]}, expect=for_roles({403, 302}, 403, 303)),
    Route("practice.people.activate", "POST", values=lambda ids: {"user_id": ids["bob"]}, expect=for_roles(403, 403, 303)),
    Route("practice.people.coaches", values=lambda ids: {"user_id": ids["carol"]}, expect=for_roles(403, 403, 200)),
    Route("practice.people.coaches", "POST", values=lambda ids: {"user_id": ids["carol"]}, data={},
          expect=for_roles(403, 403, 422)),
    Route("practice.settings.index", expect=for_roles(403, 403, 200)),
    Route("practice.settings.index", "POST", data={"shared_caseloads": "y"}, expect=for_roles(403, 403, 303)),
    Route("practice.clients.index", expect=for_roles(200, 403, 403)),
    Route("practice.clients.new", expect=for_roles(200, 403, 200)),
    Route("practice.clients.new", "POST", data={"email": "bad"}, expect=for_roles(422, 403, 422)),
    Route("practice.clients.dossier", values=lambda ids: {"client_id": ids["carol"]},
          expect={**own_client_expectations(200, 403), "dave": 403, "admin": 403}),
    Route("practice.clients.dossier_fragment", values=lambda ids: {"client_id": ids["carol"], "name": "details"},
          expect={**own_client_expectations(200, 403), "dave": 403, "admin": 403}),
    Route("practice.clients.details", values=lambda ids: {"client_id": ids["carol"]},
          expect={**own_client_expectations(200, 403), "dave": 403, "admin": 403}),
    Route("practice.clients.details", "POST", values=lambda ids: {"client_id": ids["carol"]}, data={"first_name": ""},
          expect={**own_client_expectations(422, 403), "dave": 403, "admin": 403}),
    Route("practice.notifications.index", expect=signed_in_only(200)),
    Route("practice.notifications.badge", expect=signed_in_only(200)),
    Route("practice.notifications.open", values=lambda ids: {"notification_id": ids["notice"]},
          expect={**signed_in_only(404), "carol": 303}),
    Route("practice.notifications.read_all", "POST", expect=signed_in_only(303)),
    Route("practice.notifications.email_preference", "POST", expect=signed_in_only(303)),
    # Last: these replace the reset link above and end the session.
    Route("practice.accounts.forgot_password", "POST", data={"email": "carol@een.test"}, expect=everyone(303)),
    Route("practice.accounts.logout", "POST", expect=signed_in_only(303)),
]
