"""Throttling failed sign-ins and link guessing, per account and per address, kept in the database."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app import create_app
from app.accounts.models import SignInAttempt
from app.extensions import db
from app.retention.services import load_rules
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Visitor, close_app, make_test_config

LOGIN = "/praktijk-een/login"
WRONG = "not-the-password-at-all"


def errors_of(response) -> str:
    match = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', response.get_data(as_text=True), re.DOTALL)
    assert match, "no form error on the page"
    return match.group(1).strip()


def english(app, address: str = "127.0.0.1") -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    visitor.client.environ_base["REMOTE_ADDR"] = address
    return visitor


def fail(visitor: Visitor, email: str, times: int) -> None:
    for _ in range(times):
        assert visitor.post(LOGIN, {"email": email, "password": WRONG}).status_code == 422


def test_it_throttles_an_account_after_five_failures_and_shows_when_to_try_again(app):
    visitor = english(app)
    with time_machine.travel("2026-03-02 14:31:10 +0000", tick=False):
        fail(visitor, "alice@een.test", 5)
        # Even the right password is refused now, without being checked; the time is the practice's (CET).
        response = visitor.post(LOGIN, {"email": "alice@een.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again after 15:32" in errors_of(response)
    assert 'name="email"' in response.get_data(as_text=True)  # the form is shown again
    with time_machine.travel("2026-03-02 14:32:20 +0000", tick=False):
        assert visitor.post(LOGIN, {"email": "alice@een.test", "password": PASSWORD}).status_code == 303


def test_it_doubles_the_wait_with_every_further_failure(app):
    visitor = english(app)
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False):
        fail(visitor, "alice@een.test", 5)
    with time_machine.travel("2026-03-02 10:01:05 +0000", tick=False):
        fail(visitor, "alice@een.test", 1)  # the sixth: two minutes now
        response = visitor.post(LOGIN, {"email": "alice@een.test", "password": WRONG})
    assert response.status_code == 429
    assert "Try again after 11:03" in errors_of(response)


def test_it_answers_an_unknown_account_with_the_same_words(app):
    visitor = english(app)
    with time_machine.travel("2026-03-02 14:31:10 +0000", tick=False):
        fail(visitor, "alice@een.test", 5)
        fail(visitor, "nobody@een.test", 4)
        known = visitor.post(LOGIN, {"email": "alice@een.test", "password": WRONG})
        fail(visitor, "nobody@een.test", 1)
        unknown = visitor.post(LOGIN, {"email": "nobody@een.test", "password": WRONG})
    assert known.status_code == unknown.status_code == 429
    assert errors_of(known) == errors_of(unknown)


def test_it_leaves_other_accounts_alone(app):
    visitor = english(app, "10.0.0.1")
    fail(visitor, "alice@een.test", 5)
    assert visitor.post(LOGIN, {"email": "alice@een.test", "password": PASSWORD}).status_code == 429
    other = english(app, "10.0.0.2")
    assert other.post(LOGIN, {"email": "bob@een.test", "password": PASSWORD}).status_code == 303


def test_it_throttles_one_address_trying_many_accounts(app):
    visitor = english(app, "192.0.2.7")
    for n in range(10):
        fail(visitor, f"guess{n}@een.test", 1)
    response = visitor.post(LOGIN, {"email": "bob@een.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again after" in errors_of(response)
    # Someone else, from another address, signs in as usual.
    assert english(app, "198.51.100.3").post(LOGIN, {"email": "bob@een.test", "password": PASSWORD}).status_code == 303


def test_it_keeps_no_address_in_the_attempts(app, world):
    fail(english(app, "192.0.2.7"), "alice@een.test", 1)
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        [row] = db.session.scalars(select(SignInAttempt)).all()
    assert "192.0.2" not in row.client_key and "alice" not in (row.account_key or "")
    assert len(row.client_key) == len(row.account_key) == 64


def test_it_holds_the_throttle_across_two_app_instances(app, instance, _smtp_server):
    second = create_app(make_test_config(instance, _smtp_server.port))
    try:
        fail(english(app), "alice@een.test", 3)
        fail(english(second), "alice@een.test", 2)
        assert english(app).post(LOGIN, {"email": "alice@een.test", "password": PASSWORD}).status_code == 429
        assert english(second).post(LOGIN, {"email": "alice@een.test", "password": PASSWORD}).status_code == 429
    finally:
        close_app(second)


def test_it_throttles_guessing_invitation_links(app):
    visitor = english(app, "203.0.113.9")
    for n in range(10):
        assert visitor.get(f"/praktijk-een/invitation/guess-{n}").status_code == 410
    response = visitor.get("/praktijk-een/invitation/guess-11")
    assert response.status_code == 429
    assert "Try again after" in response.get_data(as_text=True)
    # Another address is not held up.
    assert english(app, "203.0.113.10").get("/praktijk-een/invitation/guess-12").status_code == 410


def test_it_throttles_guessing_reset_links(app):
    visitor = english(app, "203.0.113.9")
    for n in range(10):
        assert visitor.get(f"/praktijk-een/password/reset/guess-{n}").status_code == 410
    assert visitor.post("/praktijk-een/password/reset/guess-x", {"password": "x"}).status_code == 429


def test_it_removes_old_attempts_in_the_housekeeping(app, world):
    fail(english(app), "alice@een.test", 2)
    [rule] = [r for r in load_rules() if r.name == "accounts.sign_in_attempts"]
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        assert rule.run(utcnow(), False) == {"sign_in_attempts": 0}
        assert rule.run(utcnow() + timedelta(days=2), False) == {"sign_in_attempts": 2}
        db.session.commit()
        assert db.session.scalars(select(SignInAttempt)).all() == []
