"""Languages: Dutch by default, English on request, the switch remembered per browser and per person."""
from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from app.accounts import services as accounts
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import PASSWORD, Visitor

LOGIN = "/praktijk-een/login"


def browser(app, accept_language: str | None = None) -> Visitor:
    visitor = Visitor(app.test_client())
    if accept_language:
        visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return visitor


def text(response) -> str:
    return response.get_data(as_text=True)


def is_dutch(page: str) -> bool:
    return '<html lang="nl">' in page


def is_english(page: str) -> bool:
    return '<html lang="en">' in page


def saved_locale(app, world, persona: str) -> str | None:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        return accounts.user_by_email(world.email(persona)).locale


def switch(visitor: Visitor, locale: str, next_url: str = LOGIN):
    return visitor.post("/praktijk-een/language", {"locale": locale, "next": next_url})


def test_it_speaks_dutch_by_default(app):
    page = text(browser(app).get(LOGIN))
    assert is_dutch(page)
    assert "Inloggen" in page and "Wachtwoord" in page
    assert "Sign in" not in page and "Password" not in page


@pytest.mark.parametrize("header", ["en", "en-GB,en;q=0.9", "de-DE, en;q=0.5", "EN-us"])
def test_it_speaks_english_when_the_browser_asks_for_it(app, header):
    page = text(browser(app, header).get(LOGIN))
    assert is_english(page)
    assert "Sign in" in page and "Password" in page
    assert "Inloggen" not in page


@pytest.mark.parametrize("header", ["de", "fr-FR", "nl-BE, en;q=0.9", "*"])
def test_it_falls_back_to_dutch_for_other_languages(app, header):
    page = text(browser(app, header).get(LOGIN))
    assert is_dutch(page) and "Inloggen" in page


def test_it_speaks_dutch_on_the_start_page_outside_any_practice(app):
    assert is_dutch(text(browser(app).get("/")))
    assert is_english(text(browser(app, "en").get("/")))


def test_it_switches_the_language_and_remembers_it_for_the_browser(app):
    visitor = browser(app)
    response = switch(visitor, "en")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == LOGIN
    page = text(visitor.get(LOGIN))
    assert is_english(page) and "Sign in" in page
    assert is_english(text(visitor.get("/praktijk-een/password/forgot")))
    # Another browser is not affected.
    assert "Inloggen" in text(browser(app).get(LOGIN))


def test_it_lets_the_switch_win_over_the_browsers_language(app):
    visitor = browser(app, "en")
    switch(visitor, "nl")
    assert "Inloggen" in text(visitor.get(LOGIN))


def test_it_switches_outside_a_practice_too(app):
    visitor = browser(app)
    assert visitor.post("/language", {"locale": "en", "next": "/"}).status_code == 303
    assert is_english(text(visitor.get("/")))
    assert is_english(text(visitor.get(LOGIN)))


def test_it_keeps_the_browsers_language_through_sign_in(app):
    visitor = browser(app)
    switch(visitor, "en")
    visitor.login("alice")
    assert "My clients" in text(visitor.get("/praktijk-een/coach"))


def test_it_remembers_the_language_on_the_account(app, world, as_persona):
    alice = as_persona("alice")
    assert "Mijn cliënten" in text(alice.get("/praktijk-een/coach"))
    switch(alice, "en", "/praktijk-een/coach")
    assert saved_locale(app, world, "alice") == "en"
    assert "My clients" in text(alice.get("/praktijk-een/coach"))

    # A new session of the same person, in a browser that asks for Dutch, gets English.
    elsewhere = browser(app, "nl")
    elsewhere.login("alice")
    page = text(elsewhere.get("/praktijk-een/coach"))
    assert is_english(page) and "My clients" in page
    # Others keep their own language.
    assert "Mijn cliënten" in text(as_persona("bob").get("/praktijk-een/coach"))


def test_it_keeps_the_chosen_language_after_signing_out(app, as_persona):
    alice = as_persona("alice")
    switch(alice, "en", "/praktijk-een/coach")
    response = alice.post("/praktijk-een/logout")
    page = text(alice.get(response.headers["Location"]))
    assert is_english(page)
    assert "You are signed out." in page


def test_it_redirects_the_switch_only_within_the_practice(app):
    visitor = browser(app)
    for target in ("https://evil.example/", "//evil.example/", "/praktijk-twee/login"):
        response = switch(visitor, "en", target)
        assert response.status_code == 303
        assert response.headers["Location"] == LOGIN


@pytest.mark.parametrize("locale", ["de", "", "EN", "en-US", "nl'><script>", "x" * 100])
def test_it_refuses_an_invalid_locale_and_changes_nothing(app, world, as_persona, locale):
    alice = as_persona("alice")
    response = switch(alice, locale, "/praktijk-een/coach")
    assert response.status_code == 400
    assert "Kies Nederlands of Engels." in text(response)
    assert saved_locale(app, world, "alice") is None
    assert "Mijn cliënten" in text(alice.get("/praktijk-een/coach"))


def test_it_refuses_an_invalid_locale_in_english_for_an_english_browser(app):
    response = switch(browser(app, "en"), "de")
    assert response.status_code == 400
    assert "Choose Dutch or English." in text(response)
    assert "Inloggen" not in text(response)


# --- error pages in both languages --------------------------------------------------------------


@pytest.mark.parametrize("url", ["/praktijk-een/no-such-page", "/onbekend/login", "/no/such/page"])
def test_it_shows_the_not_found_page_in_both_languages(app, url):
    dutch = browser(app).get(url)
    english = browser(app, "en").get(url)
    assert dutch.status_code == english.status_code == 404
    assert "Pagina niet gevonden" in text(dutch) and is_dutch(text(dutch))
    assert "Page not found" in text(english) and is_english(text(english))


def test_it_shows_the_bad_request_page_in_both_languages(app):
    dutch = browser(app).client.post(LOGIN, data={"email": "a@b.test", "password": PASSWORD})
    english = browser(app, "en").client.post(LOGIN, data={"email": "a@b.test", "password": PASSWORD})
    assert dutch.status_code == english.status_code == 400
    assert "Ongeldig verzoek" in text(dutch) and "Bad request" not in text(dutch)
    assert "Bad request" in text(english) and is_english(text(english))


def test_it_shows_the_forbidden_page_in_both_languages(app, as_persona):
    alice = as_persona("alice")
    dutch = alice.get("/praktijk-een/admin/people/")
    assert dutch.status_code == 403 and "Niet toegestaan" in text(dutch)
    switch(alice, "en", "/praktijk-een/coach")
    english = alice.get("/praktijk-een/admin/people/")
    assert english.status_code == 403 and "Not allowed" in text(english)


def test_it_shows_the_unavailable_page_in_both_languages(app, instance):
    # Pretend praktijk-twee's file lacks its newest migration: it is not served until migrated.
    with sqlite3.connect(instance / "tenants" / "praktijk-twee.sqlite") as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE rowid = (SELECT max(rowid) FROM _sqlite_migrations)")
    conn.close()
    dutch = browser(app).get("/praktijk-twee/login")
    english = browser(app, "en").get("/praktijk-twee/login")
    assert dutch.status_code == english.status_code == 503
    assert "Tijdelijk niet beschikbaar" in text(dutch) and is_dutch(text(dutch))
    assert "Temporarily unavailable" in text(english) and is_english(text(english))


def test_it_brings_the_language_saved_on_the_account_to_a_new_browser(app, world, as_persona):
    # Chosen earlier on another device; this browser asks for nothing in particular.
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        accounts.user_by_email("alice@een.test").locale = "en"
        db.session.commit()
    alice = as_persona("alice")
    assert "My clients" in text(alice.get("/praktijk-een/coach"))
    # An unknown address under the practice matches no practice route, so only the browser's
    # session knows the language there: sign-in copies the account's choice into it.
    assert "Page not found" in text(alice.get("/praktijk-een/no-such-page"))
    signed_out = alice.post("/praktijk-een/logout")
    assert "You are signed out." in text(alice.get(signed_out.headers["Location"]))
