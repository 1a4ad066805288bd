"""Dangerous actions ask for the password again when it was not entered in the last ten minutes."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import time_machine
from flask import url_for
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import ONE, PASSWORD, Visitor
from tests.test_dossiers import BASE as DOSSIERS
from tests.test_dossiers import add_programme, ended_days_ago, set_months

CONFIRM = f"/{ONE}/account/confirm-password"


def signed_in(app, persona: str) -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    visitor.login(persona)
    return visitor


def sent_to_confirm(response) -> str:
    """The next path of a redirect to the confirm page (fails when it is not one)."""
    assert response.status_code == 303, response.status_code
    parts = urlsplit(response.headers["Location"])
    assert parts.path == CONFIRM
    return parse_qs(parts.query)["next"][0]


def test_it_asks_for_the_password_before_an_erasure_and_comes_back_after(app, world):
    erase_page = f"/{ONE}/requests/erase/{world.ids['carol']}"
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        admin = signed_in(app, "admin")
        assert admin.get(erase_page).status_code == 200  # just signed in: recent enough
        clock.move_to("2026-03-02 09:11:00 +0000")
        back = sent_to_confirm(admin.get(erase_page))
        assert back == erase_page
        # Nor can the erasure itself be posted without it: nothing is erased.
        assert sent_to_confirm(admin.post(erase_page, {"typed_name": "Carol Test"})) == erase_page
        form = admin.get(f"{CONFIRM}?next={back}")
        assert form.status_code == 200 and "Confirm your password" in form.get_data(as_text=True)
        wrong = admin.post(CONFIRM, {"password": "not-my-password-at-all", "next": back})
        assert wrong.status_code == 422 and "not correct" in wrong.get_data(as_text=True)
        right = admin.post(CONFIRM, {"password": PASSWORD, "next": back})
        assert right.status_code == 303 and urlsplit(right.headers["Location"]).path == erase_page
        assert admin.get(erase_page).status_code == 200
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password.confirmed")) is not None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.erased")) is None


def test_it_asks_for_the_password_before_exporting_the_whole_practice(app, world):
    with app.test_request_context():
        export = url_for("practice.archive.practice_export", practice=ONE)
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        admin = signed_in(app, "admin")
        clock.move_to("2026-03-02 09:20:00 +0000")
        referrer = f"http://localhost/{ONE}/admin/people/"
        back = sent_to_confirm(admin.post(export, headers={"Referer": referrer}))
        assert back == f"/{ONE}/admin/people/"
        assert admin.post(CONFIRM, {"password": PASSWORD, "next": back}).status_code == 303
        started = admin.post(export)
        assert started.status_code in (302, 303) and urlsplit(started.headers["Location"]).path != CONFIRM


def test_it_asks_for_the_password_before_deleting_a_due_dossier(app, world):
    set_months(app, world, 0)
    add_programme(app, world, "carol", "finished", ended_days_ago(-10))
    page = f"{DOSSIERS}/{world.ids['carol']}/delete"
    with time_machine.travel(utcnow(), tick=False) as clock:  # today: the dossier's due date counts
        alice = signed_in(app, "alice")
        clock.shift(timedelta(minutes=10, seconds=30))
        assert sent_to_confirm(alice.post(page, {"typed_name": "Carol Test"})) == page
        assert alice.post(CONFIRM, {"password": PASSWORD, "next": page}).status_code == 303
        assert alice.get(page).status_code == 200


def test_it_checks_who_may_act_before_asking_for_the_password(app, world):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        alice = signed_in(app, "alice")
        clock.move_to("2026-03-02 09:20:00 +0000")
        assert alice.get(f"/{ONE}/requests/erase/{world.ids['carol']}").status_code == 403


def test_it_never_sends_the_person_elsewhere_after_confirming(app):
    admin = signed_in(app, "admin")
    response = admin.post(CONFIRM, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")
