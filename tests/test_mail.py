"""Outgoing mail: .eml files in demo mode, SMTP when configured, a clear message when it fails."""
from __future__ import annotations

import logging
import re
import stat
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.accounts import services as accounts
from app.tenancy.context import use_practice
from tests.conftest import Visitor, free_port

FRANK = {"first_name": "Frank", "last_name": "Nieuw", "email": "frank@een.test", "role": "coach"}


def english(visitor: Visitor) -> Visitor:
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return visitor


@pytest.fixture
def admin(as_persona) -> Visitor:
    return english(as_persona("admin"))


def eml_files(instance: Path) -> list[Path]:
    return sorted((instance / "mail").glob("*.eml"))


def everything_logged(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


# --- demo mode: no SMTP server configured -------------------------------------------------------


def test_it_writes_mail_to_an_eml_file_without_smtp(app, admin, instance, mailbox, caplog):
    app.config["MAIL_SMTP_HOST"] = ""
    with caplog.at_level(logging.INFO):
        response = admin.post("/praktijk-een/admin/people/invite", FRANK)
    assert response.status_code == 303
    assert "Invitation sent to Frank Nieuw" in admin.get(response.headers["Location"]).get_data(as_text=True)

    [eml] = eml_files(instance)
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "frank@een.test"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "/praktijk-een/invitation/" in message.get_content()
    assert mailbox.messages == []  # nothing went over the network


def test_it_logs_the_file_name_but_not_the_address(app, admin, instance, caplog):
    app.config["MAIL_SMTP_HOST"] = ""
    with caplog.at_level(logging.DEBUG):
        admin.post("/praktijk-een/admin/people/invite", FRANK)
    [eml] = eml_files(instance)
    mail_lines = [r.getMessage() for r in caplog.records if r.name == "app.mail.services"]
    assert any(eml.name in line for line in mail_lines), mail_lines
    assert "frank@een.test" not in everything_logged(caplog)
    assert "/invitation/" not in everything_logged(caplog)  # nor the secret link


def test_it_lets_the_invitation_from_an_eml_file_work(app, admin, instance, visitor):
    app.config["MAIL_SMTP_HOST"] = ""
    admin.post("/praktijk-een/admin/people/invite", FRANK)
    [eml] = eml_files(instance)
    body = message_from_bytes(eml.read_bytes(), policy=policy.default).get_content()
    link = next(word for word in body.split() if "/invitation/" in word)
    assert visitor.get(urlsplit(link).path).status_code == 200


def test_it_writes_each_mail_to_its_own_file(app, visitor, instance):
    app.config["MAIL_SMTP_HOST"] = ""
    for _ in range(3):
        visitor.post("/praktijk-een/password/forgot", {"email": "alice@een.test"})
    assert len(eml_files(instance)) == 3


# --- SMTP --------------------------------------------------------------------------------------


def test_it_sends_mail_through_the_configured_smtp_server(app, visitor, instance, mailbox):
    response = visitor.post("/praktijk-een/password/forgot", {"email": "carol@een.test"})
    assert response.status_code == 303
    [message] = mailbox.to("carol@een.test")
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] and message["Date"]
    assert "/praktijk-een/password/reset/" in mailbox.last_link("carol@een.test")
    assert eml_files(instance) == []  # not also written to disk


def test_it_sends_links_under_the_configured_base_url_not_the_request_host(app, mailbox):
    app.config["BASE_URL"] = "https://koers.example.org"
    client = app.test_client()
    # The Host header is chosen by the client: a reset link built from it could point anywhere.
    forged = {"base_url": "http://evil.example"}
    page = client.get("/praktijk-een/password/forgot", **forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/praktijk-een/password/forgot", data={"csrf_token": token, "email": "carol@een.test"}, **forged
    )
    assert response.status_code == 303
    link = mailbox.last_link("carol@een.test")
    assert link.startswith("https://koers.example.org/praktijk-een/password/reset/")
    assert "evil.example" not in link


def test_it_sends_the_mail_from_a_service_call(app, world, mailbox):
    from app.mail.services import send_mail

    with app.app_context():
        send_mail("someone@elders.test", "Onderwerp", "Een bericht met een link: https://koers.test/x\n")
    [message] = mailbox.to("someone@elders.test")
    assert message["Subject"] == "Onderwerp"
    assert "https://koers.test/x" in message.get_payload(decode=True).decode()


# --- an unreachable SMTP server ------------------------------------------------------------------


@pytest.fixture
def smtp_down(app):
    """Point the app at a loopback port where nothing listens."""
    app.config["MAIL_SMTP_PORT"] = free_port()
    app.config["MAIL_SMTP_TIMEOUT"] = 2


def test_it_shows_a_clear_message_when_the_invitation_cannot_be_sent(app, world, admin, smtp_down, caplog):
    response = admin.post("/praktijk-een/admin/people/invite", FRANK)
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "the invitation e-mail could not be sent" in text
    assert "Send invitation again" in text  # and a way forward
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        assert accounts.user_by_email("frank@een.test") is not None
    assert "frank@een.test" not in everything_logged(caplog)


def test_it_shows_a_clear_message_when_a_resent_invitation_cannot_be_sent(app, world, admin, mailbox, visitor):
    admin.post("/praktijk-een/admin/people/invite", FRANK)
    first = urlsplit(mailbox.last_link("frank@een.test")).path
    with app.app_context(), use_practice(world.practices["praktijk-een"]):
        frank = accounts.user_by_email("frank@een.test").id
    smtp_port = app.config["MAIL_SMTP_PORT"]
    app.config["MAIL_SMTP_PORT"] = free_port()

    response = admin.post(f"/praktijk-een/admin/people/{frank}/resend")
    assert response.status_code == 303
    assert "could not be sent" in admin.get(response.headers["Location"]).get_data(as_text=True)

    # Once the server is back, sending again works and the newest link is the one that counts.
    app.config["MAIL_SMTP_PORT"] = smtp_port
    admin.post(f"/praktijk-een/admin/people/{frank}/resend")
    newest = urlsplit(mailbox.last_link("frank@een.test")).path
    assert visitor.get(first).status_code == 410
    assert visitor.get(newest).status_code == 200


def test_it_answers_a_reset_request_alike_when_smtp_is_down(app, visitor, smtp_down, caplog):
    # An error only for known addresses would tell a stranger who has an account here.
    english(visitor)
    known = visitor.post("/praktijk-een/password/forgot", {"email": "alice@een.test"})
    unknown = visitor.post("/praktijk-een/password/forgot", {"email": "nobody@een.test"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    page = visitor.get(known.headers["Location"]).get_data(as_text=True)
    assert "If this address belongs to an account here" in page
    # The operator sees the failure in the log, without the address.
    assert any("could not be sent" in r.getMessage() for r in caplog.records if r.name == "app.mail.services")
    assert "alice@een.test" not in everything_logged(caplog)
