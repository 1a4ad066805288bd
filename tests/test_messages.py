"""Messages: one thread per client, unread counts in the menu, notices without content."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.messages.models import Message
from app.settings.models import PracticeSettings
from app.tenancy.context import use_practice
from tests.conftest import ONE

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def thread_url(world, client: str = "carol") -> str:
    return f"/{ONE}/messages/{world.ids[client]}"


def badge(visitor) -> str:
    response = visitor.get(f"/{ONE}/messages/badge")
    assert response.status_code == 200
    return response.get_data(as_text=True).strip()


def stored_messages(app, world) -> list[str]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return list(db.session.scalars(select(Message.body).order_by(Message.id)))


def send(visitor, world, body: str, client: str = "carol"):
    return visitor.post(thread_url(world, client), {"body": body})


def test_it_counts_unread_messages_and_resets_the_count_when_the_thread_is_opened(world, as_persona):
    carol, alice, bob = as_persona("carol", lang="en"), as_persona("alice", lang="en"), as_persona("bob", lang="en")
    assert badge(alice) == "" and badge(carol) == ""

    assert send(carol, world, "Hello Alice").status_code == 303
    assert send(carol, world, "Are you there?").status_code == 303
    assert "2 unread messages" in badge(alice)
    assert badge(carol) == "", "your own messages are not unread"
    assert badge(bob) == "", "bob is not carol's coach"

    assert alice.get(thread_url(world)).status_code == 200
    assert badge(alice) == ""

    assert send(alice, world, "Yes, here").status_code == 303
    assert "1 unread message" in badge(carol)
    page = carol.get(f"/{ONE}/messages/me").get_data(as_text=True)
    assert "Yes, here" in page and "Hello Alice" in page
    assert badge(carol) == ""


def test_it_serves_the_badge_as_a_tiny_fragment_polled_from_the_menu(world, as_persona):
    carol, alice = as_persona("carol", lang="en"), as_persona("alice", lang="en")
    send(carol, world, "Something")
    fragment = badge(alice)
    assert "<html" not in fragment and "<body" not in fragment
    assert '<span aria-hidden="true">1</span>' in fragment
    menu = alice.get(f"/{ONE}/messages/").get_data(as_text=True)
    assert f'hx-get="/{ONE}/messages/badge" hx-trigger="load, every 30s"' in menu
    client_menu = carol.get(f"/{ONE}/goals/").get_data(as_text=True)
    assert f'href="/{ONE}/messages/me"' in client_menu and f'hx-get="/{ONE}/messages/badge"' in client_menu


def test_it_notifies_the_other_party_by_mail_without_the_message_text(world, as_persona, mailbox):
    carol, alice = as_persona("carol", lang="en"), as_persona("alice", lang="en")
    secret = f"marker-{secrets.token_hex(6)}"
    send(carol, world, f"My {secret} story")
    [mail] = mailbox.to("alice@een.test")
    body = mail.get_payload(decode=True).decode()
    assert secret not in body and secret not in mail["Subject"]
    assert mailbox.to("bob@een.test") == [] and mailbox.to("carol@een.test") == []

    mailbox.clear()
    send(alice, world, f"Reply {secret}")
    [mail] = mailbox.to("carol@een.test")
    assert secret not in mail.get_payload(decode=True).decode()
    assert mailbox.to("alice@een.test") == []
    # The notice in the app leads to the thread.
    notices = carol.get(f"/{ONE}/notifications/").get_data(as_text=True)
    assert "New message" in notices


def test_it_notifies_every_coach_of_the_client(app, world, as_persona, mailbox):
    from app.accounts import services as accounts

    with app.app_context(), use_practice(world.practices[ONE]):
        accounts.assign_coach(accounts.user_by_id(world.ids["bob"]), accounts.user_by_id(world.ids["carol"]))
        db.session.commit()
    send(as_persona("carol"), world, "For both of you")
    assert len(mailbox.to("alice@een.test")) == 1 and len(mailbox.to("bob@een.test")) == 1
    bob = as_persona("bob", lang="en")
    assert "1 unread message" in badge(bob)
    assert bob.get(thread_url(world)).status_code == 200


def test_it_sends_from_a_command_or_job_too_with_a_link_of_ids_only(app, world, mailbox):
    from app.accounts import services as accounts
    from app.messages import services
    from app.notifications.models import Notification

    with app.app_context(), use_practice(world.practices[ONE]):
        alice, carol = accounts.user_by_id(world.ids["alice"]), accounts.user_by_id(world.ids["carol"])
        services.send(alice, carol, "Welcome to the practice")
        db.session.commit()
        [notice] = db.session.scalars(select(Notification).where(Notification.user_id == carol.id))
        assert notice.url == f"/{ONE}/messages/me"
        services.send(carol, carol, "Thank you")
        db.session.commit()
        [notice] = db.session.scalars(select(Notification).where(Notification.user_id == alice.id))
        assert notice.url == f"/{ONE}/messages/{carol.id}"
    assert mailbox.to("carol@een.test") and mailbox.to("alice@een.test")


def test_it_appends_a_message_with_htmx_and_returns_only_the_thread(world, as_persona):
    alice = as_persona("alice", lang="en")
    response = alice.htmx("POST", thread_url(world), {"body": "First line\nsecond line"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<html" not in text and 'id="thread"' in text
    assert "First line\nsecond line" in text and 'class="pre message-body"' in text
    assert "HX-Request" in response.headers["Vary"]


def test_it_sends_without_javascript_and_redirects_to_the_thread(world, as_persona):
    carol = as_persona("carol", lang="en")
    response = send(carol, world, "Plain form")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{ONE}/messages/me")
    alice = as_persona("alice", lang="en")
    response = send(alice, world, "Plain reply")
    assert response.status_code == 303 and response.headers["Location"].endswith(thread_url(world))


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 10_001])
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_an_empty_or_over_long_message_and_stores_nothing(app, world, as_persona, body, htmx):
    carol = as_persona("carol", lang="en")
    if htmx:
        response = carol.htmx("POST", thread_url(world), {"body": body})
    else:
        response = send(carol, world, body)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert ("Write a message before sending it." in text) or ("Keep a message under 10000 characters." in text)
    assert 'aria-invalid="true"' in text
    assert stored_messages(app, world) == []


def test_it_accepts_a_message_of_exactly_the_maximum_length(app, world, as_persona):
    assert send(as_persona("carol", lang="en"), world, "y" * 10_000).status_code == 303
    assert stored_messages(app, world) == ["y" * 10_000]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 200), ("dave", 404), ("admin", 403), ("eve", 302)],
)
def test_it_shows_carols_thread_only_to_her_and_her_coach(world, as_persona, persona, status):
    carol = as_persona("carol", lang="en")
    send(carol, world, "Private words")
    response = as_persona(persona, lang="en").get(thread_url(world))
    assert response.status_code == status
    if status != 200:
        assert b"Private words" not in response.data
    if persona == "eve":
        assert "/login" in response.headers["Location"]


def test_it_lets_neither_another_coach_nor_another_client_write_in_carols_thread(app, world, as_persona):
    assert send(as_persona("bob"), world, "Intruder").status_code == 404
    assert send(as_persona("dave"), world, "Intruder").status_code == 404
    assert send(as_persona("admin"), world, "Intruder").status_code == 403
    assert stored_messages(app, world) == []


def test_it_sends_an_anonymous_visitor_to_sign_in(world, visitor):
    for url in (thread_url(world), f"/{ONE}/messages/", f"/{ONE}/messages/me", f"/{ONE}/messages/badge"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_opens_the_thread_to_every_coach_when_caseloads_are_shared(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(PracticeSettings, 1).shared_caseloads = True
        db.session.commit()
    bob = as_persona("bob", lang="en")
    assert bob.get(thread_url(world)).status_code == 200
    assert "Carol Test" in bob.get(f"/{ONE}/messages/").get_data(as_text=True)


def test_it_lists_a_coachs_threads_with_their_unread_counts(world, as_persona):
    send(as_persona("carol"), world, "One")
    alice = as_persona("alice", lang="en")
    page = alice.get(f"/{ONE}/messages/").get_data(as_text=True)
    assert "Carol Test" in page and "1 unread" in page
    assert "Dave" not in page
    assert "One" not in page.split('<main')[1], "the list shows no message text"
    bob_page = as_persona("bob", lang="en").get(f"/{ONE}/messages/").get_data(as_text=True)
    assert "Dave Test" in bob_page and "Carol" not in bob_page


def test_it_shows_the_newest_messages_and_unread_count_in_the_dossier(world, as_persona):
    carol = as_persona("carol", lang="en")
    for n in range(5):
        send(carol, world, f"Note number {n}")
    alice = as_persona("alice", lang="en")
    section = alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/messages")
    text = section.get_data(as_text=True)
    assert section.status_code == 200
    assert "5 unread messages" in text
    assert "Note number 4" in text and "Note number 2" in text and "Note number 1" not in text
    assert f'href="{thread_url(world)}"' in text
    assert "<h1" not in text and "<h2" not in text, "the dossier gives the section its heading"
    # Looking at the dossier does not mark the thread read; opening it does.
    assert "5 unread messages" in badge(alice)


def test_it_renders_a_script_in_a_message_inert_everywhere(world, as_persona):
    carol = as_persona("carol", lang="en")
    carol.htmx("POST", thread_url(world), {"body": XSS})
    alice = as_persona("alice", lang="en")
    pages = [
        carol.get(f"/{ONE}/messages/me"),
        carol.get(thread_url(world)),
        carol.htmx("GET", thread_url(world)),
        alice.get(thread_url(world)),
        alice.htmx("POST", thread_url(world), {"body": "ok"}),
        alice.htmx("GET", f"/{ONE}/clients/{world.ids['carol']}/sections/messages"),
        alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/messages"),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert XSS not in text and "<script>alert" not in text and "<img src=x" not in text
        assert ESCAPED in text


def test_it_keeps_message_text_encrypted_at_rest(app, world, as_persona, instance):
    secret = f"marker-{secrets.token_hex(8)}"
    send(as_persona("carol"), world, f"About {secret}")
    path = instance / "tenants" / f"{ONE}.sqlite"
    raw = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    assert secret.encode() not in raw
    assert stored_messages(app, world) == [f"About {secret}"]


def test_it_audits_every_thread_read_and_message_sent_without_content(app, world, as_persona):
    carol = as_persona("carol")
    carol.get(send(carol, world, "Audit me please").headers["Location"])
    as_persona("alice").get(thread_url(world))
    with app.app_context(), use_practice(world.practices[ONE]):
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("message%"))))
        message_id = db.session.scalar(select(func.max(Message.id)))
    sent = [e for e in events if e.action == "message.sent"]
    reads = [e for e in events if e.action == "messages.read"]
    assert [(e.object_type, e.object_id, e.actor_id) for e in sent] == [("message", message_id, world.ids["carol"])]
    # carol read the thread after sending (following the redirect), alice when she opened it.
    assert {e.actor_id for e in reads} >= {world.ids["carol"], world.ids["alice"]}
    assert all(e.object_type == "client" and e.object_id == world.ids["carol"] for e in reads)
    assert all("Audit me" not in (e.detail or "") for e in events)
