"""A person's own sessions: listed with device and approximate address, ended one by one or all others; time-outs."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.accounts.models import UserSession
from app.accounts.sessions import approximate_address, device_label
from app.audit.models import AuditEvent
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import Visitor

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")
SESSIONS = "/praktijk-een/account/sessions"


def browser(app, agent: str, address: str) -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.client.environ_base.update(
        {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": "en"}
    )
    return visitor


def session_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"/account/sessions/(\d+)/end", page)]


def test_it_labels_devices_and_keeps_only_part_of_the_address(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert device_label(FIREFOX_ANDROID) == "Firefox on Android"
        assert device_label(CHROME_WINDOWS) == "Chrome on Windows"
        assert device_label("curl/8.0") is None
    assert approximate_address("192.168.17.4") == "192.168.x.x"
    assert approximate_address("2001:db8::1") == "2001:0db8::"
    assert approximate_address("not an address") is None


def test_it_lists_the_persons_sessions_and_marks_this_one(app):
    phone = browser(app, FIREFOX_ANDROID, "192.168.17.4")
    phone.login("alice")
    laptop = browser(app, CHROME_WINDOWS, "10.1.2.3")
    laptop.login("alice")
    browser(app, CHROME_WINDOWS, "10.9.9.9").login("bob")
    page = laptop.get(SESSIONS)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Firefox on Android" in text and "Chrome on Windows" in text
    assert "192.168.x.x" in text and "10.1.x.x" in text
    assert "192.168.17.4" not in text and "10.9.x.x" not in text  # nobody else's
    assert text.count("This browser") == 1
    assert len(session_ids(text)) == 2
    assert "See where you are signed in" in laptop.get("/praktijk-een/account").get_data(as_text=True)


def test_it_ends_another_session_and_its_cookie_opens_nothing(app, world):
    phone = browser(app, FIREFOX_ANDROID, "192.168.17.4")
    phone.login("alice")
    laptop = browser(app, CHROME_WINDOWS, "10.1.2.3")
    laptop.login("alice")
    text = laptop.get(SESSIONS).get_data(as_text=True)
    phone_id = next(i for i in session_ids(text) if f"sessions/{i}/end" in text.split("Firefox on Android")[1])
    response = laptop.post(f"/praktijk-een/account/sessions/{phone_id}/end")
    assert response.status_code == 303
    assert phone.get("/praktijk-een/coach").status_code == 302
    assert laptop.get("/praktijk-een/coach").status_code == 200
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        assert db.session.get(UserSession, phone_id).end_reason == "ended_by_user"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.ended")) is not None


def test_it_refuses_to_end_someone_elses_session(app, world):
    bob = browser(app, CHROME_WINDOWS, "10.9.9.9")
    bob.login("bob")
    alice = browser(app, CHROME_WINDOWS, "10.1.2.3")
    alice.login("alice")
    bobs_id = session_ids(bob.get(SESSIONS).get_data(as_text=True))[0]
    assert alice.post(f"/praktijk-een/account/sessions/{bobs_id}/end").status_code == 404
    assert bob.get("/praktijk-een/coach").status_code == 200


def test_it_ends_all_other_sessions_but_keeps_this_one(app):
    others = [browser(app, FIREFOX_ANDROID, f"192.168.0.{n}") for n in range(3)]
    for other in others:
        other.login("carol")
    here = browser(app, CHROME_WINDOWS, "10.1.2.3")
    here.login("carol")
    response = here.post("/praktijk-een/account/sessions/end-others")
    assert response.status_code == 303
    assert "3 other sessions have been ended." in here.get(SESSIONS).get_data(as_text=True)
    assert all(other.get("/praktijk-een/me").status_code == 302 for other in others)
    assert here.get("/praktijk-een/me").status_code == 200


def test_it_signs_out_here_when_ending_this_session(app):
    here = browser(app, CHROME_WINDOWS, "10.1.2.3")
    here.login("carol")
    [own] = session_ids(here.get(SESSIONS).get_data(as_text=True))
    assert here.post(f"/praktijk-een/account/sessions/{own}/end").status_code == 303
    assert here.get("/praktijk-een/me").status_code == 302


def test_it_ends_a_coachs_session_after_thirty_idle_minutes(app, world):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        coach = browser(app, CHROME_WINDOWS, "10.1.2.3")
        coach.login("alice")
        clock.move_to("2026-03-02 09:29:00 +0000")
        assert coach.get("/praktijk-een/coach").status_code == 200
        clock.move_to("2026-03-02 10:00:00 +0000")
        response = coach.get("/praktijk-een/coach")
        assert response.status_code == 302 and "/praktijk-een/login" in response.headers["Location"]
        assert "because you were away for a while" in coach.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        ended = db.session.scalars(select(UserSession).where(UserSession.user_id == world.ids["alice"])).all()
        assert [s.end_reason for s in ended] == ["idle"]


def test_it_gives_a_client_two_idle_hours(app):
    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        client = browser(app, CHROME_WINDOWS, "10.1.2.3")
        client.login("carol")
        clock.move_to("2026-03-02 10:55:00 +0000")
        assert client.get("/praktijk-een/me").status_code == 200
        clock.move_to("2026-03-02 12:56:00 +0000")
        assert client.get("/praktijk-een/me").status_code == 302


def test_it_ends_every_session_after_twelve_hours_however_busy(app, world):
    with time_machine.travel("2026-03-02 08:00:00 +0000", tick=False) as clock:
        coach = browser(app, CHROME_WINDOWS, "10.1.2.3")
        coach.login("alice")
        for step in range(1, 29):  # a request every 25 minutes, until 19:40
            clock.shift(timedelta(minutes=25))
            assert coach.get("/praktijk-een/coach").status_code == 200
        clock.move_to("2026-03-02 20:01:00 +0000")
        response = coach.get("/praktijk-een/coach")
        assert response.status_code == 302
        assert "signed in for a long time" in coach.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        ended = db.session.scalars(select(UserSession).where(UserSession.user_id == world.ids["alice"])).all()
        assert [s.end_reason for s in ended] == ["expired"]
