"""Data-subject requests: the person asks, the practice admin registers, checks identity, answers in two weeks."""
from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import Notification
from app.rights import services
from app.rights.models import DataRequest, RequestKind
from app.tenancy.context import use_practice
from tests.conftest import ONE, PASSWORD, TWO, Visitor

BASE = f"/{ONE}/requests"
# What a status mail must never say: the kind of request, in words or as a key.
KIND_WORDS = [str(label) for label in RequestKind.LABELS.values()] + list(RequestKind.ALL)


def today(app) -> date:
    with app.test_request_context():
        return services.today()


def stored(app, world) -> list[DataRequest]:
    with app.app_context(), use_practice(world.practices[ONE]):
        rows = list(db.session.scalars(select(DataRequest).order_by(DataRequest.id)))
        for row in rows:
            _ = (row.note, row.identity_method, row.refusal_reason)  # decrypt before the session ends
        db.session.expunge_all()
        return rows


def audit_trail(app, world, request_id: int) -> list[tuple[str, int | None, str]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [
            (e.action, e.subject_id, e.actor_role)
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.object_type == "data_request", AuditEvent.object_id == request_id)
                .order_by(AuditEvent.id)
            )
        ]


def register(admin: Visitor, world, persona: str = "carol", **fields: str):
    data = {
        "person_id": str(world.ids[persona]), "kind": "access", "channel": "letter",
        "received_on": "", "note": "", "identity_method": "", **fields,
    }
    return admin.post(f"{BASE}/register", data)


def registered(app, world, persona: str = "carol", kind: str = "access", **kwargs) -> int:
    """A request of persona, registered by the admin from an e-mail (identity not checked unless given)."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        person = accounts.user_by_id(world.ids[persona])
        admin = accounts.user_by_id(world.ids["admin"])
        data_request = services.open_request(person, kind, kwargs.pop("channel", "email"), admin, **kwargs)
        db.session.commit()
        return data_request.id


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def mail_text(message) -> str:
    return f"{message['Subject']}\n{message.get_payload(decode=True).decode()}"


def assert_no_details(message, *secrets_: str) -> None:
    text = mail_text(message)
    for word in [*KIND_WORDS, *secrets_]:
        assert word.casefold() not in text.casefold(), f"the mail says {word!r}"
    assert f"/{ONE}/requests/mine" in text


# --- the person's side ------------------------------------------------------------------------


def test_it_lets_a_client_ask_on_the_web_with_their_sign_in_as_the_identity_check(app, world, as_persona, mailbox):
    carol = as_persona("carol", lang="en")
    page = carol.get(f"{BASE}/new").get_data(as_text=True)
    assert "<h1>Make a request about your data</h1>" in page
    for kind in RequestKind.ALL:  # every right, with what it means in plain words
        assert f'value="{kind}"' in page and str(RequestKind.EXPLANATIONS[kind]) in page

    response = carol.post(f"{BASE}/new", {"kind": "rectification", "note": "My date of birth is 1990-04-02"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{BASE}/mine")

    [asked] = stored(app, world)
    due = today(app) + timedelta(days=14)
    assert (asked.person_id, asked.kind, asked.channel, asked.status) == (
        world.ids["carol"], "rectification", "web", "identity_confirmed"
    )
    assert asked.due_on == due and asked.note == "My date of birth is 1990-04-02"
    assert asked.identity_method == services.SIGNED_IN and asked.identity_checked_by_id is None
    assert asked.identity_checked_at is not None

    mine = carol.get(f"{BASE}/mine").get_data(as_text=True)
    assert "Correction of my data" in mine and "Identity confirmed" in mine
    assert f"due {due.strftime('%b')}" in mine and str(due.day) in mine
    assert [(a, s) for a, s, _r in audit_trail(app, world, asked.id)] == [
        ("data_request.opened", world.ids["carol"]), ("data_request.identity_confirmed", world.ids["carol"]),
    ]


def test_it_tells_the_practice_admin_of_a_request_made_on_the_web(app, world, as_persona, mailbox):
    as_persona("carol").post(f"{BASE}/new", {"kind": "erasure", "note": "Please delete everything"})
    [asked] = stored(app, world)
    with app.app_context(), use_practice(world.practices[ONE]):
        notices = list(db.session.scalars(select(Notification).where(Notification.kind == "data_request")))
        assert [(n.user_id, n.url) for n in notices] == [(world.ids["admin"], f"/{ONE}/requests/{asked.id}")]
    # The admin's mail says only that there is something new; the client's says there is news.
    [admin_mail] = mailbox.to("admin@een.test")
    assert "Please delete everything" not in mail_text(admin_mail) and "erasure" not in mail_text(admin_mail).lower()
    [client_mail] = mailbox.to("carol@een.test")
    assert_no_details(client_mail, "Please delete everything")

    detail = as_persona("admin", lang="en").get(f"{BASE}/{asked.id}").get_data(as_text=True)
    assert "Please delete everything" in detail and "recorded by the system" in detail
    assert "signed in with their own account" in detail


def test_it_lets_a_coach_ask_about_their_own_data_too(app, world, as_persona):
    alice = as_persona("alice", lang="en")
    assert alice.post(f"{BASE}/new", {"kind": "access"}).status_code == 303
    assert "Access to my data" in alice.get(f"{BASE}/mine").get_data(as_text=True)
    assert [(r.person_id, r.kind) for r in stored(app, world)] == [(world.ids["alice"], "access")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose what you want to ask."),
        ({"kind": "everything"}, "Not a valid choice"),
        ({"kind": "access", "note": "x" * 5001}, "Keep the note under 5000 characters."),
    ],
)
def test_it_refuses_a_request_without_a_valid_kind_or_with_an_overlong_note(app, world, as_persona, data, message):
    response = as_persona("carol", lang="en").post(f"{BASE}/new", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert stored(app, world) == []


def test_it_points_to_the_self_service_export_for_access_and_export(app, world, as_persona):
    if "practice.archive.mine" not in app.view_functions:
        pytest.skip("the archive's own export page is not built (yet)")
    carol = as_persona("carol", lang="en")
    page = carol.get(f"{BASE}/new").get_data(as_text=True)
    assert f'href="/{ONE}/exports/' in page and "download your data yourself right away" in page
    carol.post(f"{BASE}/new", {"kind": "export"})
    assert "Download your data yourself right away" in carol.get(f"{BASE}/mine").get_data(as_text=True)


def test_it_shows_the_requests_on_the_persons_privacy_page(app, world, as_persona):
    if "practice.privacy.mine" not in app.view_functions:
        pytest.skip("the privacy page is not built (yet)")
    carol = as_persona("carol", lang="en")
    carol.post(f"{BASE}/new", {"kind": "objection"})
    page = carol.get(_url(app, "practice.privacy.mine")).get_data(as_text=True)
    assert "Your requests" in page and "Objection to processing" in page and f'href="{BASE}/new"' in page


def _url(app, endpoint: str, **values) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, practice=ONE, **values)


# --- the practice admin's side -----------------------------------------------------------------


def test_it_lets_the_admin_register_a_request_received_by_letter_for_any_person(app, world, as_persona, mailbox):
    admin = as_persona("admin", lang="en")
    form = admin.get(f"{BASE}/register").get_data(as_text=True)
    for persona in ("alice", "bob", "carol", "dave"):
        assert f'value="{world.ids[persona]}"' in form
    received = today(app) - timedelta(days=3)
    response = register(admin, world, "dave", kind="objection", channel="letter", received_on=received.isoformat(),
                        note="I object to the use of my test results", identity_method="ID document shown at the desk")
    assert response.status_code == 303
    [asked] = stored(app, world)
    assert response.headers["Location"].endswith(f"{BASE}/{asked.id}")
    assert (asked.person_id, asked.kind, asked.channel, asked.status) == (world.ids["dave"], "objection", "letter", "identity_confirmed")
    assert asked.received_at.date() == received and asked.due_on == received + timedelta(days=14)
    assert asked.identity_method == "ID document shown at the desk" and asked.identity_checked_by_id == world.ids["admin"]
    assert asked.created_by_id == world.ids["admin"]
    [mail] = mailbox.to("dave@een.test")
    assert_no_details(mail, "I object", "ID document")

    detail = admin.get(f"{BASE}/{asked.id}").get_data(as_text=True)
    assert "ID document shown at the desk" in detail and "checked by Olga Admin" in detail
    assert "Start working on it" in detail


def test_it_leaves_the_identity_unconfirmed_when_the_admin_did_not_check_it(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    assert register(admin, world, "alice", kind="export", channel="phone", received_on=today(app).isoformat()).status_code == 303
    [asked] = stored(app, world)
    assert asked.status == "received" and asked.identity_checked_at is None and asked.received_at.date() == today(app)
    assert "Not confirmed yet." in admin.get(f"{BASE}/{asked.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"person_id": ""}, "Choose a person of the practice from the list."),
        ({"person_id": "99999"}, "Choose a person of the practice from the list."),
        ({"person_id": "abc"}, "Choose a person of the practice from the list."),
        ({"kind": "everything"}, "Not a valid choice"),
        ({"channel": "web"}, "Not a valid choice"),
        ({"received_on": "2999-01-01"}, "The date of receipt cannot be in the future."),
        ({"received_on": "2026-02-30"}, "Not a valid date value."),
        ({"received_on": ""}, "Enter the date the request was received."),
        ({"identity_method": "x" * 301}, "Keep the identity check under 300 characters."),
    ],
)
def test_it_refuses_a_bad_registration_and_stores_nothing(app, world, as_persona, fields, message):
    defaults = {"received_on": today(app).isoformat()}
    response = register(as_persona("admin", lang="en"), world, **{**defaults, **fields})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert stored(app, world) == []


def test_it_moves_a_request_through_its_statuses_and_mails_the_person_each_time_without_details(
    app, world, as_persona, mailbox
):
    request_id = registered(app, world, "carol", "access", note="Which notes did my coach keep?")
    admin = as_persona("admin", lang="en")
    steps = [
        ("identity", {"method": "Call-back on the known phone number"}, "identity_confirmed"),
        ("start", {}, "in_progress"),
        ("done", {}, "done"),
    ]
    for step, data, status in steps:
        response = admin.post(f"{BASE}/{request_id}/{step}", data)
        assert response.status_code == 303, step
        [now] = stored(app, world)
        assert now.status == status
    assert now.closed_at is not None and now.identity_method == "Call-back on the known phone number"
    mails = mailbox.to("carol@een.test")
    assert len(mails) == 4  # registered, identity confirmed, in progress, done
    for mail in mails:
        assert_no_details(mail, "Which notes", "Call-back")
    carol_page = as_persona("carol", lang="en").get(f"{BASE}/mine").get_data(as_text=True)
    assert "Done" in carol_page and "Access to my data" in carol_page
    assert audit_trail(app, world, request_id) == [
        ("data_request.opened", world.ids["carol"], "practice_admin"),
        ("data_request.identity_confirmed", world.ids["carol"], "practice_admin"),
        ("data_request.started", world.ids["carol"], "practice_admin"),
        ("data_request.done", world.ids["carol"], "practice_admin"),
    ]


def test_it_refuses_steps_out_of_order_with_a_clear_message_and_changes_nothing(app, world, as_persona):
    request_id = registered(app, world)
    admin = as_persona("admin", lang="en")
    response = admin.post(f"{BASE}/{request_id}/start")
    assert response.status_code == 409 and "Confirm the person's identity first." in text(response)
    response = admin.post(f"{BASE}/{request_id}/done")
    assert response.status_code == 409 and "Start the request before marking it done." in response.get_data(as_text=True)
    response = admin.post(f"{BASE}/{request_id}/identity", {"method": "  "})
    assert response.status_code == 422 and "Say how the person's identity was confirmed." in text(response)
    assert [r.status for r in stored(app, world)] == ["received"]

    admin.post(f"{BASE}/{request_id}/identity", {"method": "ID document shown"})
    response = admin.post(f"{BASE}/{request_id}/identity", {"method": "again"})
    assert response.status_code == 409 and "already been confirmed" in response.get_data(as_text=True)
    admin.post(f"{BASE}/{request_id}/refuse", {"reason": "We hold no data about you."})
    for step, data in (("start", {}), ("done", {}), ("refuse", {"reason": "again"}), ("identity", {"method": "x"})):
        response = admin.post(f"{BASE}/{request_id}/{step}", data)
        assert response.status_code == 409 and "This request is already closed." in response.get_data(as_text=True)
    [now] = stored(app, world)
    assert (now.status, now.refusal_reason, now.identity_method) == ("refused", "We hold no data about you.", "ID document shown")


def test_it_shows_the_refusal_reason_to_the_person(app, world, as_persona, mailbox):
    request_id = registered(app, world, "carol", "erasure")
    admin = as_persona("admin", lang="en")
    response = admin.post(f"{BASE}/{request_id}/refuse", {"reason": ""})
    assert response.status_code == 422 and "Give the reason for the refusal" in response.get_data(as_text=True)
    assert stored(app, world)[0].status == "received"
    reason = "We must keep your invoices for seven years; everything else has been removed."
    assert admin.post(f"{BASE}/{request_id}/refuse", {"reason": reason}).status_code == 303
    page = as_persona("carol", lang="en").get(f"{BASE}/mine").get_data(as_text=True)
    assert "Refused" in page and reason in page and "Autoriteit Persoonsgegevens" in page
    assert_no_details(mailbox.to("carol@een.test")[-1], "invoices")
    assert audit_trail(app, world, request_id)[-1] == ("data_request.refused", world.ids["carol"], "practice_admin")


def test_it_marks_a_request_received_fifteen_days_ago_as_overdue_in_words(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    late = today(app) - timedelta(days=15)
    register(admin, world, "dave", kind="export", channel="email", received_on=late.isoformat())
    register(admin, world, "carol", kind="access", channel="phone", received_on=today(app).isoformat())
    listing = admin.get(f"{BASE}/").get_data(as_text=True)
    # The first one due comes first, and says "Overdue" in words, not by colour alone.
    assert listing.index("Dave") < listing.index("Carol")
    assert listing.count("<strong>Overdue</strong>") == 1
    assert re.search(r"<strong>Overdue</strong>: due", listing)
    dashboard = admin.get(f"/{ONE}/admin/people/").get_data(as_text=True)
    assert "Open requests about personal data" in dashboard and "2 open requests" in dashboard
    assert "1 overdue" in dashboard and dashboard.index("Dave") < dashboard.index("Carol")
    assert "<strong>Overdue</strong>" in dashboard


def test_it_lists_closed_requests_apart_and_with_htmx(app, world, as_persona):
    request_id = registered(app, world, "carol", "access", identity_method="ID document shown")
    registered(app, world, "dave", "export")
    admin = as_persona("admin", lang="en")
    admin.post(f"{BASE}/{request_id}/refuse", {"reason": "No."})
    open_list = admin.get(f"{BASE}/?show=open").get_data(as_text=True)
    assert "Dave" in open_list and "Carol Test" not in open_list.split("request-list")[1]
    closed = admin.htmx("GET", f"{BASE}/?show=closed")
    text = closed.get_data(as_text=True)
    assert closed.status_code == 200 and "<html" not in text and "Refused" in text and "Dave" not in text
    assert admin.get(f"{BASE}/?show=nonsense").status_code == 200


def test_it_counts_open_requests_in_the_menu_badge(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    assert admin.get(f"{BASE}/badge").get_data(as_text=True).strip() == ""
    registered(app, world, "carol")
    registered(app, world, "dave")
    assert "2 open" in admin.get(f"{BASE}/badge").get_data(as_text=True)
    assert f'hx-get="{BASE}/badge"' in admin.get(f"/{ONE}/admin/people/").get_data(as_text=True)


def test_it_names_the_coaches_to_ask_for_a_rectification(app, world, as_persona):
    request_id = registered(app, world, "carol", "rectification", note="My last report names the wrong employer")
    page = as_persona("admin", lang="en").get(f"{BASE}/{request_id}").get_data(as_text=True)
    assert "Ask these coaches to correct it:" in page and "Alice Test" in page and "Bob Test" not in page


def test_it_hands_a_clients_correction_request_to_her_coach_in_the_dossier(app, world, as_persona):
    as_persona("carol").post(f"{BASE}/new", {"kind": "rectification", "note": "My last report names the wrong employer"})

    with app.app_context(), use_practice(world.practices[ONE]):
        told = {n.user_id: n.url for n in db.session.scalars(select(Notification).where(Notification.kind == "data_request"))}
    assert world.ids["alice"] in told and world.ids["bob"] not in told
    section = as_persona("alice", lang="en").get(told[world.ids["alice"]])
    assert section.status_code == 200
    assert "My last report names the wrong employer" in section.get_data(as_text=True)
    # Bob is not her coach: the dossier, and so the request, stays closed to him.
    assert as_persona("bob").get(told[world.ids["alice"]]).status_code == 404

    request_id = stored(app, world)[0].id
    admin = as_persona("admin")
    assert admin.post(f"{BASE}/{request_id}/start").status_code == 303
    assert admin.post(f"{BASE}/{request_id}/done").status_code == 303
    assert "No open correction requests." in as_persona("alice", lang="en").get(told[world.ids["alice"]]).get_data(as_text=True)


def test_it_links_each_kind_to_where_the_work_is_done(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    erasure = registered(app, world, "carol", "erasure")
    assert f'href="{BASE}/erase/{world.ids["carol"]}"' in admin.get(f"{BASE}/{erasure}").get_data(as_text=True)
    coach_erasure = registered(app, world, "alice", "erasure")
    page = admin.get(f"{BASE}/{coach_erasure}").get_data(as_text=True)
    assert "/erase/" not in page and "Only clients are erased here." in page
    export = registered(app, world, "carol", "export")
    page = admin.get(f"{BASE}/{export}").get_data(as_text=True)
    if "practice.archive.client_export" in app.view_functions:
        assert _url(app, "practice.archive.client_export", client_id=world.ids["carol"]) in page
    objection = registered(app, world, "dave", "objection")
    page = admin.get(f"{BASE}/{objection}").get_data(as_text=True)
    if "practice.restrictions.index" in app.view_functions:
        assert f'href="{_url(app, "practice.restrictions.index")}"' in page


@pytest.mark.parametrize("kind", ["restriction", "objection"])
def test_it_restricts_the_dossier_at_once_for_a_restriction_or_objection(app, world, as_persona, kind):
    from app.restrictions.services import active_restriction, is_restricted

    as_persona("carol").post(f"{BASE}/new", {"kind": kind})
    registered(app, world, "dave", kind, channel="phone")
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        dave = accounts.user_by_id(world.ids["dave"])
        assert is_restricted(carol) and is_restricted(dave)
        expected = "objection" if kind == "objection" else "request"
        assert active_restriction(carol).reason == expected
        # A coach's data is no dossier: asking the same restricts nothing and fails nothing.
    assert as_persona("alice").post(f"{BASE}/new", {"kind": kind}).status_code == 303


def test_it_answers_404_for_a_forged_or_foreign_request_id(app, world, as_persona):
    request_id = registered(app, world)
    admin = as_persona("admin")
    for url in (f"{BASE}/99999", f"{BASE}/0"):
        assert admin.get(url).status_code == 404
    for step in ("identity", "start", "done", "refuse"):
        assert admin.post(f"{BASE}/99999/{step}", {"method": "x", "reason": "x"}).status_code == 404
    # The admin of another practice: ids repeat across practices, the request is not theirs.
    with app.app_context(), use_practice(world.practices[TWO]):
        other = accounts.user_by_email("admin@twee.test")
        accounts.set_password(other, PASSWORD)
        db.session.commit()
    visitor = Visitor(app.test_client())
    assert visitor.post(f"/{TWO}/login", {"email": "admin@twee.test", "password": PASSWORD}).status_code == 303
    assert visitor.get(f"/{TWO}/requests/{request_id}").status_code == 404
    assert visitor.get(f"/{ONE}/requests/{request_id}").status_code == 302  # not signed in there
    # A client has no way into the admin's pages, not even for their own request.
    assert as_persona("carol").get(f"{BASE}/{request_id}").status_code == 403


def test_it_records_that_every_step_is_about_the_person_and_keeps_personal_words_out_of_the_log(app, world, as_persona):
    as_persona("carol").post(f"{BASE}/new", {"kind": "access", "note": "Secret words 4711"})
    [asked] = stored(app, world)
    as_persona("admin").get(f"{BASE}/{asked.id}")
    with app.app_context(), use_practice(world.practices[ONE]):
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "data_request")))
        assert [e.action for e in events] == ["data_request.opened", "data_request.identity_confirmed", "data_request.read"]
        assert {e.subject_id for e in events} == {world.ids["carol"]}
        assert all("4711" not in (e.detail or "") for e in events)
        assert json.loads(events[0].detail) == {"channel": "web", "kind": "access"}


def test_it_withdraws_a_clients_consent_at_once_when_they_ask_for_it(app, world, as_persona):
    from app.consent.services import give_consent, has_current_consent
    from app.restrictions.services import is_restricted

    with app.test_request_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        give_consent(carol, "web", carol)
        db.session.commit()
    response = as_persona("carol", lang="en").post(f"{BASE}/new", {"kind": "withdrawal", "note": "I changed my mind"})
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        assert not has_current_consent(carol) and is_restricted(carol)
    # One request, opened by the withdrawal itself, with the client's words.
    assert [(r.kind, r.channel, r.status, r.note) for r in stored(app, world)] == [
        ("withdrawal", "web", "identity_confirmed", "I changed my mind")
    ]


def test_it_mails_the_privacy_officer_of_a_request_made_on_the_web_without_details(app, world, as_persona, mailbox):
    from app.privacy.services import privacy_settings

    with app.app_context(), use_practice(world.practices[ONE]):
        privacy_settings().officer_email = "privacy@een.test"
        db.session.commit()
    as_persona("carol").post(f"{BASE}/new", {"kind": "erasure", "note": "Remove my CV"})
    [mail] = mailbox.to("privacy@een.test")
    body = mail_text(mail)
    assert f"/{ONE}/requests/" in body and "Remove my CV" not in body and "Carol" not in body
    assert not any(word.casefold() in body.casefold() for word in KIND_WORDS)
    # A second request through the admin (by letter) is the admin's own doing: no mail.
    mailbox.clear()
    registered(app, world, "dave", "access", channel="letter")
    assert mailbox.to("privacy@een.test") == []
