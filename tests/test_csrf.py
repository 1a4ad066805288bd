"""CSRF: a state-changing POST without a valid token answers 400 and changes nothing."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.accounts.models import AccountToken, CoachAssignment, User, UserSession
from app.audit.models import AuditEvent
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import PASSWORD, Visitor

NEW = "harbour-violet-compass-9"

# (who posts, where, what) — "{dave}" is replaced by dave's id.
POSTS = {
    "login": (None, "/praktijk-een/login", {"email": "alice@een.test", "password": PASSWORD}),
    "logout": ("alice", "/praktijk-een/logout", {}),
    "invite": (
        "admin",
        "/praktijk-een/admin/people/invite",
        {"first_name": "Frank", "last_name": "Nieuw", "email": "frank@een.test", "role": "coach"},
    ),
    "deactivate": ("admin", "/praktijk-een/admin/people/{dave}/deactivate", {}),
    "resend": ("admin", "/praktijk-een/admin/people/{pending}/resend", {}),
    "language": ("alice", "/praktijk-een/language", {"locale": "en", "next": "/praktijk-een/coach"}),
    "language-anonymous": (None, "/praktijk-een/language", {"locale": "en"}),
    "language-outside": (None, "/language", {"locale": "en"}),
    "account": ("alice", "/praktijk-een/account", {"first_name": "Mallory", "last_name": "Test", "phone": "0612345678"}),
    "password": (
        "alice",
        "/praktijk-een/account/password",
        {"current_password": PASSWORD, "password": NEW, "confirm": NEW},
    ),
    "forgot": (None, "/praktijk-een/password/forgot", {"email": "alice@een.test"}),
}


def snapshot(app, world) -> dict[str, list]:
    """Everything a POST could change in praktijk-een."""
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        return {
            "users": [
                (u.id, u.first_name, u.last_name, u.phone, u.active, u.locale, u.password_hash)
                for u in db.session.scalars(select(User).order_by(User.id))
            ],
            "sessions": [(s.id, s.ended_at) for s in db.session.scalars(select(UserSession).order_by(UserSession.id))],
            "tokens": [(t.id, t.used_at) for t in db.session.scalars(select(AccountToken).order_by(AccountToken.id))],
            "assignments": list(db.session.scalars(select(CoachAssignment.id).order_by(CoachAssignment.id))),
            "audit": list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id))),
        }


def add_pending_invitee(app, world, admin: Visitor) -> int:
    admin.post(
        "/praktijk-een/admin/people/invite",
        {"first_name": "Gina", "last_name": "Wacht", "email": "gina@een.test", "role": "coach"},
    )
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        return db.session.scalar(select(User.id).where(User.email == "gina@een.test"))


def prepare(app, world, as_persona, case: str) -> tuple[Visitor, str, dict]:
    persona, url, data = POSTS[case]
    visitor = as_persona(persona) if persona else Visitor(app.test_client())
    pending = add_pending_invitee(app, world, visitor) if case == "resend" else 0
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    visitor.csrf_token()  # the browser has a session with a token, as after any page view
    return visitor, url.format(dave=world.ids["dave"], pending=pending), dict(data)


def assert_refused(response) -> None:
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Bad request" in text
    assert "This form has expired or was sent from elsewhere" in text


@pytest.mark.parametrize("case", list(POSTS))
def test_it_refuses_a_post_without_a_token_and_changes_nothing(app, world, as_persona, mailbox, case):
    visitor, url, data = prepare(app, world, as_persona, case)
    mailbox.clear()
    before = snapshot(app, world)

    assert_refused(visitor.client.post(url, data=data))

    assert snapshot(app, world) == before
    assert mailbox.messages == []


@pytest.mark.parametrize("case", list(POSTS))
def test_it_refuses_a_wrong_token(app, world, as_persona, mailbox, case):
    visitor, url, data = prepare(app, world, as_persona, case)
    mailbox.clear()
    before = snapshot(app, world)
    assert_refused(visitor.client.post(url, data={**data, "csrf_token": "IjEyMyI.nonsense.signature"}))
    assert_refused(visitor.client.post(url, data=data, headers={"X-CSRFToken": "not-a-token"}))
    assert snapshot(app, world) == before
    assert mailbox.messages == []


@pytest.mark.parametrize("case", ["login", "logout", "deactivate", "account", "language"])
def test_it_refuses_a_token_taken_from_another_browser(app, world, as_persona, case):
    visitor, url, data = prepare(app, world, as_persona, case)
    attacker_token = Visitor(app.test_client()).csrf_token()
    before = snapshot(app, world)
    assert_refused(visitor.client.post(url, data={**data, "csrf_token": attacker_token}))
    assert snapshot(app, world) == before


def test_it_keeps_the_person_signed_in_after_a_refused_logout(app, world, as_persona):
    visitor, url, data = prepare(app, world, as_persona, "logout")
    visitor.client.post(url, data=data)
    assert visitor.get("/praktijk-een/coach").status_code == 200


def test_it_shows_the_refusal_in_dutch_by_default(app, world, as_persona):
    visitor = as_persona("alice")
    response = visitor.client.post("/praktijk-een/account", data={"first_name": "Mallory", "last_name": "Test"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert '<html lang="nl">' in text
    assert "Bad request" not in text


# --- the token in a header, as htmx sends it ----------------------------------------------------


def htmx_post(visitor: Visitor, url: str, data: dict):
    token = visitor.csrf_token()
    return visitor.client.post(url, data=data, headers={"X-CSRFToken": token, "HX-Request": "true"})


def user(app, world, persona: str) -> dict:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        u = db.session.get(User, world.ids[persona])
        return {"active": u.active, "first_name": u.first_name, "locale": u.locale}


def test_it_accepts_the_token_in_the_header_for_a_deactivation(app, world, as_persona):
    admin = as_persona("admin")
    response = htmx_post(admin, f"/praktijk-een/admin/people/{world.ids['dave']}/deactivate", {})
    assert response.status_code == 303
    assert not user(app, world, "dave")["active"]


def test_it_accepts_the_token_in_the_header_for_the_account_form(app, world, as_persona):
    alice = as_persona("alice")
    response = htmx_post(alice, "/praktijk-een/account", {"first_name": "Alicia", "last_name": "Test"})
    assert response.status_code == 303
    assert user(app, world, "alice")["first_name"] == "Alicia"


def test_it_accepts_the_token_in_the_header_for_the_language_switch(app, world, as_persona):
    alice = as_persona("alice")
    assert htmx_post(alice, "/praktijk-een/language", {"locale": "en"}).status_code == 303
    assert user(app, world, "alice")["locale"] == "en"


def test_it_accepts_the_token_in_the_header_for_an_invitation(app, world, as_persona, mailbox):
    admin = as_persona("admin")
    response = htmx_post(
        admin,
        "/praktijk-een/admin/people/invite",
        {"first_name": "Frank", "last_name": "Nieuw", "email": "frank@een.test", "role": "coach"},
    )
    assert response.status_code == 303
    assert len(mailbox.to("frank@een.test")) == 1


def test_it_accepts_the_token_in_the_header_for_sign_in_and_out(app, world):
    visitor = Visitor(app.test_client())
    signed_in = htmx_post(visitor, "/praktijk-een/login", {"email": "alice@een.test", "password": PASSWORD})
    assert signed_in.status_code == 303
    assert visitor.get("/praktijk-een/coach").status_code == 200
    # Sign-in starts a fresh session, so the next page view carries a fresh token.
    signed_out = htmx_post(visitor, "/praktijk-een/logout", {})
    assert signed_out.status_code == 303
    assert urlsplit(visitor.get("/praktijk-een/coach").headers["Location"]).path == "/praktijk-een/login"


def test_it_puts_the_header_token_on_every_page_for_htmx(as_persona):
    page = as_persona("alice").get("/praktijk-een/coach").get_data(as_text=True)
    assert "hx-headers='{\"X-CSRFToken\": \"" in page


@pytest.mark.parametrize("case", [c for c in POSTS if not c.startswith("language-")])
def test_it_does_change_the_practice_when_the_token_is_valid(app, world, as_persona, case):
    # The control for the refusals above: the same POST with its token does change something.
    visitor, url, data = prepare(app, world, as_persona, case)
    before = snapshot(app, world)
    response = visitor.post(url, data)
    assert response.status_code == 303
    assert snapshot(app, world) != before


@pytest.mark.parametrize("url", ["/praktijk-een/language", "/language"])
def test_it_keeps_the_browsers_language_after_a_refused_switch(app, url):
    visitor = Visitor(app.test_client())
    visitor.csrf_token()
    assert visitor.client.post(url, data={"locale": "en"}).status_code == 400
    assert "Inloggen" in visitor.get("/praktijk-een/login").get_data(as_text=True)
    assert visitor.post(url, {"locale": "en"}).status_code == 303  # with its token it works
    assert "Sign in" in visitor.get("/praktijk-een/login").get_data(as_text=True)
