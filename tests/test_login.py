"""Signing in and out: role pages, equal failures, practice-bound and revocable sessions."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.accounts.models import UserSession
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import PASSWORD, PERSONAS, Visitor

NEW_PASSWORD = "lantern-orbit-tundra-quietly"
SIGNED_IN_PAGES = [
    "/praktijk-een/admin/people/",
    "/praktijk-een/coach",
    "/praktijk-een/me",
    "/praktijk-een/account",
    "/praktijk-een/account/password",
]


def landing(response) -> str:
    """The path a redirect sends the browser to."""
    return urlsplit(response.headers["Location"]).path


def is_sign_in_redirect(response, slug: str = "praktijk-een") -> bool:
    return response.status_code in (302, 303) and landing(response) == f"/{slug}/login"


def form_errors(response) -> str:
    match = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert match, "no form error on the page"
    return match.group(1).strip()


def session_count(app, world, slug: str = "praktijk-een") -> int:
    with app.app_context(), use_practice(world.practices[slug]):
        return db.session.scalar(select(func.count()).select_from(UserSession))


def with_cookie_of(app, visitor: Visitor) -> Visitor:
    """A fresh browser that carries a copy of visitor's session cookie."""
    other = Visitor(app.test_client())
    other.client.set_cookie("koers_session", visitor.client.get_cookie("koers_session").value)
    return other


@pytest.mark.parametrize(
    "persona, home",
    [("admin", "/praktijk-een/admin/people/"), ("alice", "/praktijk-een/coach"), ("carol", "/praktijk-een/me")],
)
def test_it_lands_each_role_on_its_own_page(visitor, persona, home):
    response = visitor.login(persona)
    assert landing(response) == home
    assert visitor.get(home).status_code == 200
    # The practice's root and the sign-in page also send a signed-in person home.
    assert landing(visitor.get("/praktijk-een/")) == home
    assert landing(visitor.get("/praktijk-een/login")) == home


def test_it_answers_a_wrong_password_and_an_unknown_address_alike(app, world, visitor):
    sessions_before = session_count(app, world)
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    wrong = visitor.post("/praktijk-een/login", {"email": "alice@een.test", "password": "not-her-password-at-all"})
    unknown = visitor.post("/praktijk-een/login", {"email": "nobody@een.test", "password": "not-her-password-at-all"})

    assert wrong.status_code == unknown.status_code == 422
    assert form_errors(wrong) == form_errors(unknown)
    assert "do not match" in form_errors(wrong)
    # No session was opened, on the server or in the browser.
    assert session_count(app, world) == sessions_before
    assert is_sign_in_redirect(visitor.get("/praktijk-een/coach"))


def test_it_refuses_a_deactivated_person_with_the_same_message(app, world, as_persona, visitor):
    admin = as_persona("admin")
    assert admin.post(f"/praktijk-een/admin/people/{world.ids['dave']}/deactivate").status_code == 303

    refused = visitor.post("/praktijk-een/login", {"email": "dave@een.test", "password": PASSWORD})
    unknown = visitor.post("/praktijk-een/login", {"email": "nobody@een.test", "password": PASSWORD})
    assert refused.status_code == 422
    assert form_errors(refused) == form_errors(unknown)
    assert is_sign_in_redirect(visitor.get("/praktijk-een/me"))


def test_it_lets_a_reactivated_person_sign_in_again(world, as_persona, visitor):
    admin = as_persona("admin")
    admin.post(f"/praktijk-een/admin/people/{world.ids['dave']}/deactivate")
    admin.post(f"/praktijk-een/admin/people/{world.ids['dave']}/activate")
    assert landing(visitor.login("dave")) == "/praktijk-een/me"


def test_it_follows_next_within_the_practice(visitor):
    response = visitor.post(
        "/praktijk-een/login", {"email": "alice@een.test", "password": PASSWORD, "next": "/praktijk-een/account"}
    )
    assert response.status_code == 303
    assert landing(response) == "/praktijk-een/account"


def test_it_carries_next_from_the_sign_in_redirect_into_the_form(visitor):
    redirect = visitor.get("/praktijk-een/account")
    page = visitor.get(redirect.headers["Location"]).get_data(as_text=True)
    assert 'name="next"' in page and 'value="/praktijk-een/account' in page


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/praktijk-een/account",
        "//evil.example/praktijk-een/account",
        "/\\evil.example/praktijk-een/account",
        "/praktijk-twee/coach",
        "/praktijk-een-nep/coach",
        "/praktijk-een/../praktijk-twee/coach",
        "/praktijk-een/%2e%2e/praktijk-twee/coach",
    ],
)
def test_it_ignores_a_next_outside_the_practice(visitor, next_url):
    response = visitor.post(
        "/praktijk-een/login", {"email": "alice@een.test", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/praktijk-een/coach"


def test_it_refuses_a_replayed_cookie_after_logout(app, as_persona):
    alice = as_persona("alice")
    copy = with_cookie_of(app, alice)
    assert copy.get("/praktijk-een/coach").status_code == 200  # the copy works while the session lives

    assert alice.post("/praktijk-een/logout").status_code == 303
    assert is_sign_in_redirect(alice.get("/praktijk-een/coach"))
    assert is_sign_in_redirect(copy.get("/praktijk-een/coach"))
    assert is_sign_in_redirect(with_cookie_of(app, copy).get("/praktijk-een/coach"))


def test_it_refuses_a_cookie_saved_before_logout_and_set_again(app, as_persona):
    alice = as_persona("alice")
    saved = alice.client.get_cookie("koers_session").value
    alice.post("/praktijk-een/logout")

    replay = app.test_client()
    replay.set_cookie("koers_session", saved)
    assert is_sign_in_redirect(replay.get("/praktijk-een/coach"))
    assert is_sign_in_redirect(replay.get("/praktijk-een/account"))


@pytest.mark.parametrize(
    "persona, other",
    [("alice", "praktijk-twee"), ("admin", "praktijk-twee"), ("carol", "praktijk-twee"), ("eve", "praktijk-een")],
)
@pytest.mark.parametrize("page", ["", "coach", "me", "admin/people/", "account", "account/password"])
def test_it_treats_a_cookie_of_another_practice_as_not_signed_in(as_persona, persona, other, page):
    visitor = as_persona(persona)
    response = visitor.get(f"/{other}/{page}")
    assert is_sign_in_redirect(response, other)


@pytest.mark.parametrize("persona, other", [("alice", "praktijk-twee"), ("eve", "praktijk-een")])
def test_it_shows_the_sign_in_form_to_a_visitor_from_another_practice(as_persona, persona, other):
    visitor = as_persona(persona)
    page = visitor.get(f"/{other}/login")
    assert page.status_code == 200
    assert b'name="password"' in page.data
    assert b"Sign out" not in page.data and b"/logout" not in page.data
    # Their own practice still knows them.
    home = f"/{PERSONAS[persona][0]}/coach"
    assert visitor.get(home).status_code == 200


def test_it_ends_other_sessions_on_a_password_change_but_keeps_this_one(as_persona):
    here = as_persona("alice")
    elsewhere = as_persona("alice")
    changed = here.post(
        "/praktijk-een/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert here.get("/praktijk-een/coach").status_code == 200
    assert is_sign_in_redirect(elsewhere.get("/praktijk-een/coach"))


def test_it_keeps_every_session_when_the_current_password_is_wrong(as_persona):
    here = as_persona("alice")
    elsewhere = as_persona("alice")
    refused = here.post(
        "/praktijk-een/account/password",
        {"current_password": "not-the-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert refused.status_code == 422
    assert elsewhere.get("/praktijk-een/coach").status_code == 200


def test_it_ends_the_sessions_of_a_deactivated_person(world, as_persona):
    carol = as_persona("carol")
    carol_on_phone = as_persona("carol")
    assert carol.get("/praktijk-een/me").status_code == 200

    as_persona("admin").post(f"/praktijk-een/admin/people/{world.ids['carol']}/deactivate")

    assert is_sign_in_redirect(carol.get("/praktijk-een/me"))
    assert is_sign_in_redirect(carol_on_phone.get("/praktijk-een/account"))


def test_it_keeps_ended_sessions_ended_after_reactivation(app, world, as_persona):
    carol = as_persona("carol")
    admin = as_persona("admin")
    admin.post(f"/praktijk-een/admin/people/{world.ids['carol']}/deactivate")
    admin.post(f"/praktijk-een/admin/people/{world.ids['carol']}/activate")
    assert is_sign_in_redirect(carol.get("/praktijk-een/me"))


def test_it_sets_an_httponly_samesite_lax_cookie_without_secure_over_http(visitor):
    response = visitor.login("alice")
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("koers_session=")][-1]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_it_marks_the_cookie_secure_over_https(app):
    client = app.test_client()
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/praktijk-een/login"}}
    page = client.get("/praktijk-een/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/praktijk-een/login",
        data={"csrf_token": token, "email": "alice@een.test", "password": PASSWORD},
        **https,
    )
    assert response.status_code == 303
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("koers_session=")][-1]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("persona", ["alice", "carol"])
def test_it_forbids_the_people_page_to_coaches_and_clients(as_persona, persona):
    assert as_persona(persona).get("/praktijk-een/admin/people/").status_code == 403


@pytest.mark.parametrize(
    "persona, page",
    [("admin", "/praktijk-een/coach"), ("admin", "/praktijk-een/me"), ("alice", "/praktijk-een/me"), ("carol", "/praktijk-een/coach")],
)
def test_it_forbids_another_roles_page(as_persona, persona, page):
    assert as_persona(persona).get(page).status_code == 403


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
def test_it_sends_an_anonymous_visitor_to_the_sign_in_page(visitor, page):
    response = visitor.get(page)
    assert is_sign_in_redirect(response)


def test_it_sends_an_anonymous_logout_to_the_sign_in_page(visitor):
    assert is_sign_in_redirect(visitor.post("/praktijk-een/logout"))
