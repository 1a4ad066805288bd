"""Invitations: the admin invites, the mail arrives, the link works once and expires."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import AccountToken, CoachAssignment, Role, TokenPurpose, User
from app.extensions import db
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import PASSWORD, PERSONAS, Visitor

CHOSEN = "harbour-violet-compass-9"
PEOPLE = "/praktijk-een/admin/people"


def path_of(link: str) -> str:
    return urlsplit(link).path


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def english(visitor: Visitor) -> Visitor:
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return visitor


def user_count(app, world) -> int:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        return db.session.scalar(select(func.count()).select_from(User))


def user_row(app, world, email: str) -> dict | None:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        user = accounts.user_by_email(email)
        if user is None:
            return None
        return {
            "id": user.id,
            "role": user.role,
            "active": user.active,
            "has_password": user.password_hash is not None,
            "locale": user.locale,
            "coaches": [c.id for c in accounts.coaches_of(user)],
        }


def invite(admin: Visitor, world, role: str = Role.COACH, email: str = "frank@een.test", **extra):
    data = {"first_name": "Frank", "last_name": "Nieuw", "email": email, "role": role, **extra}
    if role == Role.CLIENT and "coaches" not in extra:
        data["coaches"] = str(world.ids["alice"])
    return admin.post(f"{PEOPLE}/invite", data)


def accept(visitor: Visitor, link: str, password: str = CHOSEN, **extra):
    data = {"first_name": "Frank", "last_name": "Nieuw", "password": password, "confirm": password, **extra}
    return visitor.post(path_of(link), data)


@pytest.fixture
def admin(as_persona) -> Visitor:
    return english(as_persona("admin"))


# --- inviting ----------------------------------------------------------------------------


def test_it_invites_a_coach_through_the_people_page(app, world, admin, mailbox):
    response = invite(admin, world)
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to Frank Nieuw" in page
    assert "frank@een.test" in page and "Invited" in page

    row = user_row(app, world, "frank@een.test")
    assert row["role"] == Role.COACH and row["active"] and not row["has_password"]
    assert len(mailbox.to("frank@een.test")) == 1
    assert "/praktijk-een/invitation/" in mailbox.last_link("frank@een.test")


def test_it_invites_a_client_with_their_coach(app, world, admin, mailbox):
    response = invite(admin, world, Role.CLIENT, "gina@een.test")
    assert response.status_code == 303
    row = user_row(app, world, "gina@een.test")
    assert row["role"] == Role.CLIENT
    assert row["coaches"] == [world.ids["alice"]]
    assert len(mailbox.to("gina@een.test")) == 1


def test_it_writes_the_invitation_in_the_language_the_admin_chose(app, world, admin, mailbox):
    invite(admin, world, locale="nl")
    message = mailbox.to("frank@een.test")[-1]
    assert "uitnodiging" in message["Subject"].lower()
    assert "Your invitation" not in message["Subject"]
    assert "Praktijk Een" in message["Subject"]
    assert user_row(app, world, "frank@een.test")["locale"] == "nl"


def test_it_writes_the_invitation_in_the_admins_language_when_none_is_chosen(app, world, admin, mailbox):
    # The admin works in English and leaves the language out.
    invite(admin, world)
    assert mailbox.to("frank@een.test")[-1]["Subject"] == "Your invitation to Praktijk Een"
    assert user_row(app, world, "frank@een.test")["locale"] == "en"


def test_it_refuses_an_unknown_invitation_language(app, world, admin, mailbox):
    response = invite(admin, world, locale="fr")
    assert response.status_code == 422
    assert "Choose Dutch or English." in response.get_data(as_text=True)
    assert mailbox.to("frank@een.test") == []


def test_it_writes_a_resent_invitation_in_the_invitees_own_language(app, world, admin, mailbox):
    invite(admin, world)
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        accounts.user_by_email("frank@een.test").locale = "en"
        db.session.commit()
    frank = user_row(app, world, "frank@een.test")["id"]
    admin.post(f"{PEOPLE}/{frank}/resend")
    message = mailbox.to("frank@een.test")[-1]
    assert message["Subject"] == "Your invitation to Praktijk Een"
    assert "choose your password" in body_of(message)


def test_it_keeps_other_peoples_details_out_of_the_invitation(world, admin, mailbox):
    invite(admin, world, Role.CLIENT, "gina@een.test", first_name="Gina", last_name="Geheim")
    message = mailbox.to("gina@een.test")[-1]
    assert message["To"] == "gina@een.test"
    text = str(message["Subject"]) + body_of(message)
    for persona, (_slug, _role, email, first, _coach) in PERSONAS.items():
        assert first not in text, f"{persona}'s name is in the mail"
        assert email not in text, f"{persona}'s address is in the mail"
    # Not even the invitee's own name or role: the practice name and the link are enough.
    assert "Geheim" not in text
    assert "client" not in text.lower() and "cliënt" not in text.lower()
    assert [line for line in body_of(message).splitlines() if "://" in line] == [mailbox.last_link("gina@een.test")]


# --- following the link -----------------------------------------------------------------------


def test_it_shows_the_form_behind_the_link(world, admin, mailbox, visitor):
    invite(admin, world)
    page = english(visitor).get(path_of(mailbox.last_link("frank@een.test")))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "frank@een.test" in text
    assert 'name="password"' in text and 'name="confirm"' in text
    assert 'value="Frank"' in text  # the name the admin typed, ready to correct


def test_it_signs_a_coach_in_after_choosing_a_password(app, world, admin, mailbox, visitor):
    invite(admin, world)
    response = accept(visitor, mailbox.last_link("frank@een.test"), first_name="Frans")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/coach"
    assert "Frans" in visitor.get("/praktijk-een/coach").get_data(as_text=True)
    assert user_row(app, world, "frank@een.test")["has_password"]

    again = Visitor(app.test_client())
    signed_in = again.post("/praktijk-een/login", {"email": "frank@een.test", "password": CHOSEN})
    assert urlsplit(signed_in.headers["Location"]).path == "/praktijk-een/coach"


def test_it_signs_a_client_in_on_the_client_page(world, admin, mailbox, visitor):
    invite(admin, world, Role.CLIENT, "gina@een.test")
    response = accept(visitor, mailbox.last_link("gina@een.test"))
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/me"
    # A new client first reads the consent text and consents, then lands on the client page.
    gate = visitor.get("/praktijk-een/me")
    assert gate.status_code == 303 and urlsplit(gate.headers["Location"]).path == "/praktijk-een/consent/"
    consent_page = visitor.get(gate.headers["Location"]).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', consent_page).group(1)
    given = visitor.post(gate.headers["Location"], {"agree": "y", "version": version})
    assert urlsplit(given.headers["Location"]).path == "/praktijk-een/me"
    page = visitor.get("/praktijk-een/me").get_data(as_text=True)
    assert "Alice Test" in page  # her coach


def test_it_refuses_a_link_the_second_time(world, admin, mailbox, visitor):
    invite(admin, world)
    link = mailbox.last_link("frank@een.test")
    accept(visitor, link)

    stranger = english(Visitor(visitor.client.application.test_client()))
    reopened = stranger.get(path_of(link))
    assert reopened.status_code == 410
    assert "already been used" in reopened.get_data(as_text=True)
    reused = accept(stranger, link, password="another-fine-passphrase")
    assert reused.status_code == 410
    assert is_signed_out(stranger)


def test_it_keeps_the_link_usable_after_a_refused_password(app, world, admin, mailbox, visitor):
    invite(admin, world)
    link = mailbox.last_link("frank@een.test")
    refused = accept(english(visitor), link, password="short")
    assert refused.status_code == 422
    assert not user_row(app, world, "frank@een.test")["has_password"]
    assert accept(visitor, link).status_code == 303


def test_it_refuses_an_expired_link(app, world, admin, mailbox, visitor):
    invite(admin, world)
    link = mailbox.last_link("frank@een.test")
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        token = db.session.scalar(
            select(AccountToken).where(AccountToken.purpose == TokenPurpose.INVITATION).order_by(AccountToken.id.desc())
        )
        token.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    page = english(visitor).get(path_of(link))
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    assert accept(visitor, link).status_code == 410
    assert not user_row(app, world, "frank@een.test")["has_password"]


def test_it_lets_an_invitation_expire_after_the_configured_days(app, world, admin, mailbox):
    invite(admin, world)
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        token = db.session.scalar(select(AccountToken).where(AccountToken.purpose == TokenPurpose.INVITATION).order_by(AccountToken.id.desc()))
        lifetime = token.expires_at - token.created_at
    assert lifetime == timedelta(days=app.config["INVITATION_TTL_DAYS"]) == timedelta(days=7)
    assert "7" in body_of(mailbox.to("frank@een.test")[-1])


def test_it_invalidates_the_earlier_link_when_resending(app, world, admin, mailbox, visitor):
    invite(admin, world)
    first = mailbox.last_link("frank@een.test")
    frank = user_row(app, world, "frank@een.test")["id"]

    response = admin.post(f"{PEOPLE}/{frank}/resend")
    assert response.status_code == 303
    assert "A new invitation was sent" in admin.get(response.headers["Location"]).get_data(as_text=True)
    second = mailbox.last_link("frank@een.test")
    assert second != first and len(mailbox.to("frank@een.test")) == 2

    english(visitor)
    assert visitor.get(path_of(first)).status_code == 410
    assert visitor.get(path_of(second)).status_code == 200
    assert accept(visitor, second).status_code == 303


def test_it_does_not_resend_to_someone_who_already_accepted(world, admin, mailbox):
    response = admin.post(f"{PEOPLE}/{world.ids['alice']}/resend")
    assert response.status_code == 303
    assert "already accepted" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert mailbox.to("alice@een.test") == []


def test_it_refuses_the_link_of_a_deactivated_invitee(app, world, admin, mailbox, visitor):
    invite(admin, world)
    link = mailbox.last_link("frank@een.test")
    admin.post(f"{PEOPLE}/{user_row(app, world, 'frank@een.test')['id']}/deactivate")
    assert visitor.get(path_of(link)).status_code == 410
    assert accept(visitor, link).status_code == 410


def test_it_refuses_a_made_up_link(visitor):
    page = english(visitor).get("/praktijk-een/invitation/not-a-real-token")
    assert page.status_code == 410
    assert "not valid" in page.get_data(as_text=True)


def test_it_does_not_open_a_link_in_another_practice(world, admin, mailbox, visitor):
    invite(admin, world)
    link = path_of(mailbox.last_link("frank@een.test")).replace("/praktijk-een/", "/praktijk-twee/")
    assert visitor.get(link).status_code == 410


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"first_name": ""}, "Enter a first name."),
        ({"last_name": "  "}, "Enter a last name."),
        ({"email": ""}, "Enter an e-mail address."),
        ({"email": "not-an-address"}, "valid e-mail address"),
        ({"email": "frank@"}, "valid e-mail address"),
        ({"email": "alice@een.test"}, "already uses this e-mail address"),
        ({"email": "ALICE@een.test"}, "already uses this e-mail address"),
        ({"role": Role.CLIENT, "coaches": []}, "Choose at least one coach"),
        ({"role": Role.CLIENT, "coaches": "999"}, "is not a valid choice"),
        ({"role": Role.CLIENT, "coaches": "carol"}, "is not a valid choice"),  # a client, not a coach
        ({"role": "operator"}, "Not a valid choice"),
        ({"role": ""}, "Choose a role."),
    ],
)
def test_it_refuses_bad_input_and_creates_nobody(app, world, admin, mailbox, change, message):
    before = user_count(app, world)
    data = {"first_name": "Frank", "last_name": "Nieuw", "email": "frank@een.test", "role": Role.COACH, **change}
    if isinstance(data.get("coaches"), str) and data["coaches"] in world.ids:
        data["coaches"] = str(world.ids[data["coaches"]])
    response = admin.post(f"{PEOPLE}/invite", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count(app, world) == before
    assert mailbox.messages == []


def test_it_offers_only_active_coaches_for_a_client(world, admin):
    admin.post(f"{PEOPLE}/{world.ids['bob']}/deactivate")
    page = admin.get(f"{PEOPLE}/").get_data(as_text=True)
    assert f'name="coaches" type="checkbox" value="{world.ids["alice"]}"' in page
    assert f'value="{world.ids["bob"]}"' not in page
    response = invite(admin, world, Role.CLIENT, "gina@een.test", coaches=str(world.ids["bob"]))
    assert response.status_code == 422


# --- who may resend, deactivate and activate --------------------------------------------------

ACTIONS = ["resend", "deactivate", "activate"]


def state_of_everyone(app, world) -> list[tuple]:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        users = [(u.id, u.active, u.password_hash) for u in db.session.scalars(select(User).order_by(User.id))]
        tokens = db.session.scalar(select(func.count()).select_from(AccountToken))
        assignments = db.session.scalar(select(func.count()).select_from(CoachAssignment))
    return [*users, tokens, assignments]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["alice", "carol"])
def test_it_forbids_people_actions_to_coaches_and_clients(app, world, as_persona, mailbox, persona, action):
    before = state_of_everyone(app, world)
    visitor = as_persona(persona)
    assert visitor.post(f"{PEOPLE}/{world.ids['dave']}/{action}").status_code == 403
    assert state_of_everyone(app, world) == before
    assert mailbox.messages == []


@pytest.mark.parametrize("action", ACTIONS)
def test_it_sends_an_anonymous_visitor_of_people_actions_to_sign_in(app, world, visitor, action):
    before = state_of_everyone(app, world)
    response = visitor.post(f"{PEOPLE}/{world.ids['dave']}/{action}")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/login"
    assert state_of_everyone(app, world) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_it_treats_eve_as_a_stranger_in_praktijk_een(app, world, as_persona, action):
    before = state_of_everyone(app, world)
    eve = as_persona("eve")
    response = eve.post(f"{PEOPLE}/{world.ids['dave']}/{action}")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/login"
    assert state_of_everyone(app, world) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_it_answers_404_for_an_unknown_person(app, world, admin, action):
    before = state_of_everyone(app, world)
    assert admin.post(f"{PEOPLE}/999/{action}").status_code == 404
    assert state_of_everyone(app, world) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_it_keeps_praktijk_een_out_of_reach_of_praktijk_twees_admin(app, world, mailbox, action):
    with app.app_context(), use_practice(world.practices["praktijk-twee"]):
        accounts.set_password(accounts.user_by_email("admin@twee.test"), PASSWORD)
        db.session.commit()
    twee_admin = Visitor(app.test_client())
    twee_admin.post("/praktijk-twee/login", {"email": "admin@twee.test", "password": PASSWORD})
    assert twee_admin.get("/praktijk-twee/admin/people/").status_code == 200
    before = state_of_everyone(app, world)

    # Dave's id does not exist in praktijk-twee: the same answer as any unknown id.
    assert twee_admin.post(f"/praktijk-twee/admin/people/{world.ids['dave']}/{action}").status_code == 404
    # And praktijk-een's own URLs treat the cookie as not signed in.
    response = twee_admin.post(f"{PEOPLE}/{world.ids['dave']}/{action}")
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/login"
    assert state_of_everyone(app, world) == before
    assert mailbox.messages == []


def test_it_does_not_let_the_admin_deactivate_themselves(app, world, admin):
    response = admin.post(f"{PEOPLE}/{world.ids['admin']}/deactivate")
    assert response.status_code == 303
    assert "cannot deactivate your own account" in admin.get(f"{PEOPLE}/").get_data(as_text=True)
    assert user_row(app, world, "admin@een.test")["active"]


def test_it_deactivates_and_activates_a_person(app, world, admin):
    response = admin.post(f"{PEOPLE}/{world.ids['dave']}/deactivate")
    assert response.status_code == 303
    assert "can no longer sign in" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert not user_row(app, world, "dave@een.test")["active"]
    admin.post(f"{PEOPLE}/{world.ids['dave']}/activate")
    assert user_row(app, world, "dave@een.test")["active"]


def is_signed_out(visitor: Visitor) -> bool:
    response = visitor.get("/praktijk-een/coach")
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/praktijk-een/login"


def test_it_lets_the_admin_change_a_clients_coaches(app, world, admin):
    carol = world.ids["carol"]
    page = admin.get(f"{PEOPLE}/{carol}/coaches")
    assert page.status_code == 200
    response = admin.post(f"{PEOPLE}/{carol}/coaches", {"coaches": [str(world.ids["alice"]), str(world.ids["bob"])]})
    assert response.status_code == 303
    assert sorted(user_row(app, world, "carol@een.test")["coaches"]) == sorted([world.ids["alice"], world.ids["bob"]])
    assert admin.post(f"{PEOPLE}/{carol}/coaches", {"coaches": [str(world.ids["bob"])]}).status_code == 303
    assert user_row(app, world, "carol@een.test")["coaches"] == [world.ids["bob"]]


def test_it_refuses_to_leave_a_client_without_a_coach(app, world, admin):
    carol = world.ids["carol"]
    response = admin.post(f"{PEOPLE}/{carol}/coaches", {})
    assert response.status_code == 422
    assert "Choose at least one coach for a client." in response.get_data(as_text=True)
    assert user_row(app, world, "carol@een.test")["coaches"] == [world.ids["alice"]]
    assert admin.get(f"{PEOPLE}/{world.ids['alice']}/coaches").status_code == 404


def test_it_shows_caseloads_and_clients_without_a_coach_on_the_people_page(app, world, admin):
    admin.post(f"{PEOPLE}/invite", {"first_name": "Zoë", "last_name": "Los", "email": "zoe@een.test", "role": "coach"})
    text = admin.get(f"{PEOPLE}/").get_data(as_text=True)
    assert "Alice Test: 1" in text and "Bob Test: 1" in text and "Zoë Los: 0" in text
    assert "Every client has a coach." in text
