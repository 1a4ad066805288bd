"""The operator console: operator accounts, sign-in and sign-out, and who can never get in."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.console.models import ConsoleEvent, Operator, OperatorSession
from app.extensions import db
from tests.conftest import Visitor
from tests.route_access.console import OPERATOR_EMAIL, OPERATOR_PASSWORD, make_operator


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def operator_visitor(app) -> Visitor:
    """A browser signed in to the console as the operator (created when missing)."""
    with app.app_context():
        if db.session.scalar(sa.select(Operator).where(Operator.email == OPERATOR_EMAIL)) is None:
            make_operator(app)
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = visitor.post("/platform/login", {"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return visitor


def events(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.object_type) for e in db.session.scalars(sa.select(ConsoleEvent).order_by(ConsoleEvent.id))]


# --- the command -------------------------------------------------------------------------------


def test_it_creates_an_operator_with_a_password_asked_twice(bare_app):
    result = run(bare_app, "operators", "create", "Ops@Koers.test", "--name", "Oscar",
                 input=f"{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert OPERATOR_PASSWORD not in result.output
    with bare_app.app_context():
        operator = db.session.scalar(sa.select(Operator))
        assert operator.email == "ops@koers.test" and operator.name == "Oscar"
        assert operator.password_hash.startswith("$argon2id$")
    listed = run(bare_app, "operators", "list")
    assert "ops@koers.test" in listed.output and "never signed in" in listed.output


def test_it_reads_the_password_from_stdin_for_scripts(bare_app):
    result = run(bare_app, "operators", "create", "ops@koers.test", "--name", "Oscar", "--password-stdin",
                 input=f"{OPERATOR_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    visitor = Visitor(bare_app.test_client())
    assert visitor.post("/platform/login", {"email": "ops@koers.test", "password": OPERATOR_PASSWORD}).status_code == 303


@pytest.mark.parametrize("password", ["password123", "short", "oscarkoers2026"])
def test_it_refuses_a_weak_password(bare_app, password):
    result = run(bare_app, "operators", "create", "ops@koers.test", "--name", "Oscar", "--password-stdin",
                 input=f"{password}\n")

    assert result.exit_code != 0 and "Error:" in result.output
    assert "Traceback" not in result.output
    with bare_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Operator)) == 0


def test_it_refuses_a_second_operator_with_the_same_address(bare_app):
    make_operator(bare_app)
    result = run(bare_app, "operators", "create", OPERATOR_EMAIL, "--name", "Other", "--password-stdin",
                 input=f"{OPERATOR_PASSWORD}\n")

    assert result.exit_code != 0 and "already exists" in result.output


def test_it_refuses_two_different_passwords_when_asked_twice(bare_app):
    result = run(bare_app, "operators", "create", "ops@koers.test", "--name", "Oscar",
                 input=f"{OPERATOR_PASSWORD}\nsomething-else-entirely\n")

    with bare_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Operator)) == 0
    assert result.exit_code != 0


# --- sign-in and sign-out ----------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_the_console_sign_in(app):
    response = Visitor(app.test_client()).get("/platform/?x=1")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/platform/login?next=")


def test_it_signs_an_operator_in_and_out(app):
    visitor = operator_visitor(app)
    page = visitor.get("/platform/")
    assert page.status_code == 200
    assert "Sign out" in page.get_data(as_text=True)

    response = visitor.post("/platform/logout")

    assert response.status_code == 303
    assert visitor.get("/platform/").status_code == 302
    with app.app_context():
        sessions = db.session.scalars(sa.select(OperatorSession)).all()
        assert len(sessions) == 1 and sessions[0].ended_at is not None and sessions[0].end_reason == "logout"
    assert ("login", "operator") in events(app) and ("logout", "operator") in events(app)


def test_it_ends_the_session_on_the_server_so_an_old_cookie_opens_nothing(app):
    visitor = operator_visitor(app)
    cookie = visitor.client.get_cookie("koers_session").value
    visitor.post("/platform/logout")

    replay = Visitor(app.test_client())
    replay.client.set_cookie("koers_session", cookie)
    assert replay.get("/platform/").status_code == 302


def test_it_refuses_a_wrong_password_with_the_same_words_as_an_unknown_address(app):
    make_operator(app)
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    wrong = visitor.post("/platform/login", {"email": OPERATOR_EMAIL, "password": "not-the-password-1"})
    unknown = visitor.post("/platform/login", {"email": "nobody@koers.test", "password": "not-the-password-1"})
    empty = visitor.post("/platform/login", {"email": "", "password": ""})

    assert wrong.status_code == unknown.status_code == empty.status_code == 422
    assert "do not match" in wrong.get_data(as_text=True) and "do not match" in unknown.get_data(as_text=True)
    assert events(app).count(("login.failed", "operator")) == 2


def test_it_keeps_practice_people_out_of_the_console(app, as_persona):
    make_operator(app)
    for persona in ("admin", "alice", "carol", "eve"):
        visitor = as_persona(persona)
        assert visitor.get("/platform/").status_code == 404
        assert visitor.post("/platform/logout").status_code == 404


def test_it_never_lets_a_practice_cookie_pretend_to_be_an_operator(app, as_persona):
    # A practice person's cookie id names their practice; the console accepts only "platform:".
    make_operator(app)
    visitor = as_persona("admin")
    with visitor.client.session_transaction() as session:
        slug, _, secret = session["_user_id"].partition(":")
        session["_user_id"] = f"platform:{secret}"

    assert visitor.get("/platform/").status_code == 302


def test_it_keeps_an_operator_out_of_every_practice_page(app):
    visitor = operator_visitor(app)

    for url in ("/praktijk-een/", "/praktijk-een/admin/people/", "/praktijk-een/clients/", "/praktijk-een/coach", "/praktijk-twee/account"):
        response = visitor.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    # And the console still knows the operator: the practice pages did not sign them out.
    assert visitor.get("/platform/").status_code == 200


def test_it_shows_console_errors_in_the_console_layout(app):
    visitor = operator_visitor(app)

    response = visitor.client.post("/platform/logout", data={})

    assert response.status_code == 400
    assert "Koers console" in response.get_data(as_text=True)


def test_it_refuses_a_console_form_without_its_csrf_token(app):
    visitor = operator_visitor(app)

    response = visitor.client.post("/platform/logout", data={})

    assert response.status_code == 400
    assert visitor.get("/platform/").status_code == 200


def test_it_purges_console_sessions_ended_over_thirty_days_ago(app):
    from datetime import timedelta

    from app.console.operators import purge_ended_sessions
    from app.timeutil import utcnow

    visitor = operator_visitor(app)
    visitor.post("/platform/logout")
    operator_visitor(app)  # a live session: kept while used, gone after 30 days unused
    with app.app_context():
        assert purge_ended_sessions(utcnow() + timedelta(days=29)) == 0
        assert purge_ended_sessions(utcnow() + timedelta(days=31)) == 2
        db.session.rollback()
        assert purge_ended_sessions(utcnow() + timedelta(days=1)) == 0


def test_it_ends_an_operators_session_after_thirty_idle_minutes_and_after_twelve_hours(app):
    import time_machine

    with time_machine.travel("2026-03-02 09:00:00 +0000", tick=False) as clock:
        ops = operator_visitor(app)
        clock.move_to("2026-03-02 09:29:00 +0000")
        assert ops.get("/platform/").status_code == 200
        clock.move_to("2026-03-02 10:00:00 +0000")
        assert ops.get("/platform/").status_code == 302  # to the console sign-in
        busy = operator_visitor(app)
        for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes: never idle
            clock.move_to(f"2026-03-02 {10 + minutes // 60}:{minutes % 60:02d}:00 +0000")
            assert busy.get("/platform/").status_code == 200
        clock.move_to("2026-03-02 22:05:00 +0000")
        assert busy.get("/platform/").status_code == 302
    with app.app_context():
        reasons = sorted(s.end_reason for s in db.session.scalars(sa.select(OperatorSession)))
        assert reasons == ["expired", "idle"]
