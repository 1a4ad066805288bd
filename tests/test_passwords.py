"""Password rules, argon2id storage and the reset-by-mail flow."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import AccountToken, TokenPurpose
from app.extensions import db
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Visitor

NEW = "harbour-violet-compass-9"
WORDS = "harbour violet compass meadow lantern orbit tundra quietly pebble saffron glacier whistle".split()


def passphrase(length: int) -> str:
    """A passphrase of distinct words, exactly length characters long."""
    text = ""
    i = 0
    while len(text) < length:
        text += WORDS[i % len(WORDS)] + str(i) + " "
        i += 1
    return text[:length]


def english(visitor: Visitor) -> Visitor:
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return visitor


def change(visitor: Visitor, new: str, current: str = PASSWORD):
    return visitor.post(
        "/praktijk-een/account/password", {"current_password": current, "password": new, "confirm": new}
    )


def can_sign_in(app, email: str, password: str) -> bool:
    response = Visitor(app.test_client()).post("/praktijk-een/login", {"email": email, "password": password})
    return response.status_code == 303


def stored_hash(app, world, email: str) -> str | None:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        return accounts.user_by_email(email).password_hash


def is_signed_out(visitor: Visitor) -> bool:
    response = visitor.get("/praktijk-een/account")
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/praktijk-een/login"


@pytest.fixture
def alice(as_persona) -> Visitor:
    return english(as_persona("alice"))


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("short", ["", "a", "nine-char", "Short-9!"])
def test_it_refuses_fewer_than_ten_characters(app, alice, short):
    response = change(alice, short)
    assert response.status_code == 422
    if short:
        assert "at least 10 characters" in response.get_data(as_text=True)
    assert can_sign_in(app, "alice@een.test", PASSWORD)


def test_it_accepts_exactly_ten_characters_when_hard_to_guess(app, alice):
    assert change(alice, "vq7#Lm2$xZ").status_code == 303
    assert can_sign_in(app, "alice@een.test", "vq7#Lm2$xZ")


@pytest.mark.parametrize("length", [128, 129, 200, 256])
def test_it_accepts_long_passwords_up_to_256_characters(app, alice, length):
    long_one = passphrase(length)
    assert change(alice, long_one).status_code == 303
    assert can_sign_in(app, "alice@een.test", long_one)
    assert not can_sign_in(app, "alice@een.test", long_one[:-1])  # every character counts


def test_it_refuses_more_than_256_characters_with_a_reason(app, alice):
    response = change(alice, passphrase(257))
    assert response.status_code == 422
    assert "at most 256 characters" in response.get_data(as_text=True)


def test_it_accepts_a_long_lowercase_passphrase_without_composition_rules(app, alice):
    phrase = "plum river cactus lantern"
    assert change(alice, phrase).status_code == 303
    assert can_sign_in(app, "alice@een.test", phrase)


@pytest.mark.parametrize(
    "guessable",
    [
        "password123",
        "qwertyuiop",
        "1234567890",
        "aaaaaaaaaaaa",
        "alice@een.test",  # her own e-mail address
        "ALICE@EEN.TEST",
        "alice@een.test2024",  # ... plus digits
        "Alice12345",  # her name plus digits
        "alice1234567",
        "AliceTest1234",
        "Praktijk2024",  # the practice's name
        "a" * 200,  # long, but only its length is strong
    ],
)
def test_it_refuses_common_and_easily_guessed_passwords_with_help(app, alice, guessable):
    response = change(alice, guessable)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "too easy to guess" in text
    assert "A few unrelated words" in text  # how to do better, not only "no"
    assert can_sign_in(app, "alice@een.test", PASSWORD)
    assert not can_sign_in(app, "alice@een.test", guessable)


def test_it_refuses_two_different_passwords(app, alice):
    response = alice.post(
        "/praktijk-een/account/password", {"current_password": PASSWORD, "password": NEW, "confirm": NEW + "x"}
    )
    assert response.status_code == 422
    assert "The two passwords differ" in response.get_data(as_text=True)
    assert can_sign_in(app, "alice@een.test", PASSWORD)


def test_it_explains_the_rules_in_dutch_by_default(as_persona):
    alice = as_persona("alice")
    response = change(alice, "kort")
    assert response.status_code == 422
    assert "10 tekens" in response.get_data(as_text=True)


# --- storage ----------------------------------------------------------------------------------


def practice_file_bytes(instance: Path) -> bytes:
    tenants = instance / "tenants"
    return b"".join(path.read_bytes() for path in tenants.glob("praktijk-een.sqlite*"))


def test_it_stores_passwords_as_argon2id_hashes(app, world, alice, instance):
    assert change(alice, NEW).status_code == 303
    stored = stored_hash(app, world, "alice@een.test")
    assert stored.startswith("$argon2id$")
    assert NEW not in stored
    for persona in ("admin", "bob", "carol"):
        assert stored_hash(app, world, world.email(persona)).startswith("$argon2id$")
    # Nowhere in the practice's file (or its write-ahead log) in plain text.
    raw = practice_file_bytes(instance)
    assert NEW.encode() not in raw and PASSWORD.encode() not in raw


def test_it_salts_every_hash(app, world):
    # Everyone in the world has the same password; no two hashes may be alike.
    hashes = {stored_hash(app, world, world.email(p)) for p in ("admin", "alice", "bob", "carol", "dave")}
    assert len(hashes) == 5


# --- reset by mail ----------------------------------------------------------------------------


def request_reset(visitor: Visitor, email: str):
    return visitor.post("/praktijk-een/password/forgot", {"email": email})


def deactivate(app, world, persona: str) -> None:
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        accounts.user_by_email(world.email(persona)).active = False
        db.session.commit()


@pytest.mark.parametrize("email", ["alice@een.test", "nobody@een.test", "dave@een.test", "eve@twee.test", "not-an-address"])
def test_it_answers_the_same_for_known_and_unknown_addresses(app, world, visitor, email):
    deactivate(app, world, "dave")
    english(visitor)
    known = request_reset(visitor, "alice@een.test")
    other = request_reset(visitor, email)
    assert known.status_code == other.status_code == 303
    assert known.headers["Location"] == other.headers["Location"]
    page = visitor.get(other.headers["Location"]).get_data(as_text=True)
    assert "If this address belongs to an account here" in page


def test_it_mails_a_link_only_to_a_known_active_address(app, world, visitor, mailbox):
    deactivate(app, world, "dave")
    for email in ("alice@een.test", "nobody@een.test", "dave@een.test", "eve@twee.test", "ALICE@een.test"):
        request_reset(visitor, email)
    assert {m["To"] for m in mailbox.messages} == {"alice@een.test"}
    assert "/praktijk-een/password/reset/" in mailbox.last_link("alice@een.test")


def test_it_writes_the_reset_mail_in_the_persons_language_without_their_details(app, world, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    dutch = mailbox.to("alice@een.test")[-1]
    assert "wachtwoord" in dutch["Subject"].lower()
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        accounts.user_by_email("alice@een.test").locale = "en"
        db.session.commit()
    request_reset(visitor, "alice@een.test")
    english_mail = mailbox.to("alice@een.test")[-1]
    assert english_mail["Subject"] == "Choose a new password for Praktijk Een"
    body = english_mail.get_payload(decode=True).decode()
    assert "Alice" not in body and "Carol" not in body and "alice@een.test" not in body


def test_it_sets_a_new_password_through_the_link_and_ends_every_session(app, world, as_persona, visitor, mailbox):
    here = as_persona("alice")
    elsewhere = as_persona("alice")
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path

    form = visitor.get(link)
    assert form.status_code == 200 and b'name="password"' in form.data
    response = visitor.post(link, {"password": NEW, "confirm": NEW})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/praktijk-een/login"

    assert is_signed_out(here) and is_signed_out(elsewhere)
    assert is_signed_out(visitor)  # the reset itself does not sign anyone in
    assert not can_sign_in(app, "alice@een.test", PASSWORD)
    assert can_sign_in(app, "alice@een.test", NEW)
    assert stored_hash(app, world, "alice@een.test").startswith("$argon2id$")


def test_it_refuses_a_reset_link_the_second_time(app, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path
    visitor.post(link, {"password": NEW, "confirm": NEW})

    english(visitor)
    again = visitor.get(link)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert visitor.post(link, {"password": "another-fine-passphrase", "confirm": "another-fine-passphrase"}).status_code == 410
    assert can_sign_in(app, "alice@een.test", NEW)
    assert not can_sign_in(app, "alice@een.test", "another-fine-passphrase")


def test_it_refuses_an_expired_reset_link(app, world, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        token = db.session.scalar(select(AccountToken).where(AccountToken.purpose == TokenPurpose.PASSWORD_RESET))
        assert token.expires_at - token.created_at == timedelta(minutes=60)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    english(visitor)
    page = visitor.get(link)
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    assert visitor.post(link, {"password": NEW, "confirm": NEW}).status_code == 410
    assert can_sign_in(app, "alice@een.test", PASSWORD)


def test_it_invalidates_an_earlier_reset_link_when_a_new_one_is_asked(app, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    first = urlsplit(mailbox.last_link("alice@een.test")).path
    request_reset(visitor, "alice@een.test")
    second = urlsplit(mailbox.last_link("alice@een.test")).path
    assert first != second
    assert visitor.get(first).status_code == 410
    assert visitor.get(second).status_code == 200


def test_it_keeps_the_reset_link_usable_after_a_refused_password(app, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path
    refused = english(visitor).post(link, {"password": "password123", "confirm": "password123"})
    assert refused.status_code == 422
    assert "too easy to guess" in refused.get_data(as_text=True)
    assert visitor.post(link, {"password": NEW, "confirm": NEW}).status_code == 303


def test_it_refuses_the_reset_link_of_a_person_deactivated_since(app, world, visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path
    deactivate(app, world, "alice")
    assert visitor.post(link, {"password": NEW, "confirm": NEW}).status_code == 410


def test_it_does_not_open_a_reset_link_in_another_practice(visitor, mailbox):
    request_reset(visitor, "alice@een.test")
    link = urlsplit(mailbox.last_link("alice@een.test")).path
    assert visitor.get(link.replace("/praktijk-een/", "/praktijk-twee/")).status_code == 410


def test_it_refuses_a_first_and_last_name_with_a_year(app, world):
    from app.accounts.passwords import password_problem
    from app.tenancy.context import use_practice

    with app.test_request_context(), use_practice(world.practices["praktijk-een"]):
        assert password_problem("alicetest2024", ["alice@een.test", "Alice", "Test", "Praktijk Een"]) is not None
