"""The client's access log, the "my privacy" page, and the practice admin's audit-log search."""
from __future__ import annotations

import html
import json
import re
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.audit.services import audit
from app.extensions import db
from app.privacy import hub
from app.privacy.actions import describe
from app.tenancy.context import use_practice
from tests.conftest import ONE, Visitor
from tests.querycount import count_queries

ACCESS_LOG = f"/{ONE}/privacy/access-log"
MINE = f"/{ONE}/privacy/mine"
AUDIT = f"/{ONE}/privacy/audit"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def table_body(page: str) -> str:
    """The rows of the page's table."""
    match = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL)
    assert match, "no table on the page"
    return match.group(1)


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()


def open_dossier(visitor, world, client: str = "carol", section: str = "goals"):
    """A coach opens a section of a client's dossier (audited as dossier.read)."""
    response = visitor.htmx("GET", f"/{ONE}/clients/{world.ids[client]}/sections/{section}")
    assert response.status_code == 200
    return response


def add_events(app, world, count: int, action: str = "dossier.read", client: str = "carol", actor: str = "alice") -> None:
    """Write audit events directly (as the features do), about client, by actor."""
    from app.accounts.models import User

    with app.app_context(), use_practice(world.practices[ONE]):
        who = db.session.get(User, world.ids[actor])
        for _ in range(count):
            audit(action, "client", world.ids[client], actor=who)
        db.session.commit()


def tamper(instance, statement: str) -> None:
    """Change the practice file behind the app's back, as someone with access to it could."""
    path = instance / "tenants" / f"{ONE}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            "DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;" + statement
        )


# --- the client's access log --------------------------------------------------------------------


def test_it_shows_a_client_who_opened_her_dossier_by_role_and_name_without_ids(app, world, as_persona):
    open_dossier(as_persona("alice"), world, "carol")
    open_dossier(as_persona("bob"), world, "dave")  # about dave: not carol's business
    carol = as_persona("carol", lang="en")

    response = carol.get(ACCESS_LOG)

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Who viewed my data</h1>" in page
    rows = table_body(page)
    assert "Coach Alice Test" in rows and "Dossier opened" in rows
    assert "Bob" not in rows and "Dave" not in rows
    assert "You" in rows and "Signed in" in rows  # her own sign-in is about her too
    # When, who and what; no internal ids, codes or details anywhere in the rows.
    without_times = re.sub(r"<time[^>]*>.*?</time>", "", rows)
    assert not re.search(r"\d", without_times), without_times
    assert "dossier.read" not in rows and "client_id" not in rows


def test_it_lists_the_newest_first_and_pages_the_rest(app, world, as_persona):
    add_events(app, world, 30, "report.read")
    add_events(app, world, 1, "document.download")
    carol = as_persona("carol", lang="en")

    first = text(carol.get(ACCESS_LOG))
    rows = table_body(first)
    assert rows.index("Document downloaded") < rows.index("Session report read")
    assert rows.count("<tr>") == 25 and "Page 1 of 2" in first

    second = carol.htmx("GET", f"{ACCESS_LOG}?page=2")
    assert second.status_code == 200 and "<html" not in text(second) and "Page 2 of 2" in text(second)
    assert carol.get(f"{ACCESS_LOG}?page=99999999999999999999").status_code == 200
    assert carol.get(f"{ACCESS_LOG}?page=nonsense").status_code == 200


def test_it_names_automatic_work_and_visitors_without_an_account(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        audit("dossier.read", "client", world.ids["carol"])  # no request, no actor: a job or command
        db.session.commit()
    page = text(as_persona("carol", lang="en").get(ACCESS_LOG))
    assert "Koers itself (an automatic task)" in table_body(page)


def test_it_does_not_audit_reading_the_access_log_itself(app, world, as_persona):
    carol = as_persona("carol")
    with app.app_context(), use_practice(world.practices[ONE]):
        before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    carol.get(ACCESS_LOG)
    carol.get(f"{ACCESS_LOG}?page=2")
    with app.app_context(), use_practice(world.practices[ONE]):
        after = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert after == before


def test_it_keeps_the_access_log_for_clients_only(app, world, as_persona, visitor):
    for persona in ("alice", "admin"):
        assert as_persona(persona).get(ACCESS_LOG).status_code == 403
    assert visitor.get(ACCESS_LOG).status_code == 302


@pytest.mark.parametrize(
    ("action", "phrase"),
    [
        ("exercise.answers_read", "Exercise answers read"),
        ("report.update", "Session report changed"),
        ("journal.read", "Journal entry read"),
        ("document.read", "Document viewed"),
        ("message.sent", "Message sent"),
        ("document.something_new", "Document changed"),
        ("consent.withdrawn", "Consent withdrawn"),
        ("consent.renewed_somehow", "Consent changed"),
        ("export.downloaded", "Export viewed"),
        ("totally.unknown", "Other activity"),
    ],
)
def test_it_describes_actions_in_plain_words(app, action, phrase):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe(action) == phrase


# --- "my privacy" -------------------------------------------------------------------------------


def test_it_shows_everyone_their_details_and_clients_their_newest_access(app, world, as_persona):
    open_dossier(as_persona("alice"), world, "carol")

    carol = text(as_persona("carol", lang="en").get(MINE))
    assert "<h1>My privacy</h1>" in carol
    assert "carol@een.test" in carol and f'href="/{ONE}/account"' in carol
    assert "Coach Alice Test · Dossier opened" in carol and f'href="{ACCESS_LOG}"' in carol

    alice = text(as_persona("alice", lang="en").get(MINE))
    assert "alice@een.test" in alice and "privacy officer" in alice
    assert f'href="{ACCESS_LOG}"' not in alice


def test_it_renders_every_block_registered_for_the_role_in_order(app, world, as_persona):
    calls = []

    @hub.privacy_block("zz_test", "privacy/_block_details.html", order=15, roles=(Role.CLIENT,))
    def _load(person):
        calls.append(person.id)
        return {"person": person, "can_request": False}

    try:
        page = text(as_persona("carol", lang="en").get(MINE))
        admin_page = text(as_persona("admin", lang="en").get(MINE))
    finally:
        hub._BLOCKS.pop("zz_test")
    assert calls == [world.ids["carol"]]  # not loaded for the admin, whose role it does not name
    assert page.index('id="privacy-details"') < page.index('id="privacy-zz_test"') < page.index('id="privacy-access_log"')
    assert 'id="privacy-zz_test"' not in admin_page


# --- the admin's audit-log search ---------------------------------------------------------------------


def test_it_lets_the_admin_search_the_log_by_person_and_shows_names(app, world, as_persona):
    open_dossier(as_persona("alice"), world, "carol")
    open_dossier(as_persona("bob"), world, "dave")
    admin = as_persona("admin", lang="en")

    page = admin.get(AUDIT)
    assert page.status_code == 200
    assert "The log verifies" in text(page)

    about_carol = text(admin.get(AUDIT, query_string={"person": world.ids["carol"]}))
    rows = table_body(about_carol)
    assert "Alice Test" in rows and "dossier.read" in rows and "Carol Test" in rows
    assert "Bob Test" not in rows and "Dave Test" not in rows

    by_bob = text(admin.get(AUDIT, query_string={"person": world.ids["bob"], "involvement": "actor"}))
    rows = table_body(by_bob)
    assert "Dave Test" in rows and "Carol Test" not in rows and "Alice Test" not in rows


def test_it_filters_by_action_and_period(app, world, as_persona):
    open_dossier(as_persona("alice"), world, "carol")
    admin = as_persona("admin", lang="en")

    reads = text(admin.get(AUDIT, query_string={"action": "dossier.read"}))
    assert "1 event found" in reads and "Dossier opened" in table_body(reads)

    yesterday = (datetime.fromisoformat(today()) - timedelta(days=1)).date().isoformat()
    earlier = text(admin.get(AUDIT, query_string={"action": "dossier.read", "date_to": yesterday}))
    assert "0 events found" in earlier
    same_day = text(admin.get(AUDIT, query_string={"action": "dossier.read", "date_from": today(), "date_to": today()}))
    assert "1 event found" in same_day


def test_it_updates_only_the_results_for_htmx(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    response = admin.htmx("GET", f"{AUDIT}?action=login")
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and 'id="audit-results"' in body
    assert "The log verifies" not in body  # the chain is checked with the whole page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"person": "99999"}, "Choose a person from the list."),
        ({"person": "<script>"}, "Choose a person from the list."),
        ({"action": "nonsense.made_up"}, "Choose an action from the list."),
        ({"involvement": "everyone"}, "Not a valid choice."),
        ({"date_from": "2026-02-30"}, "Not a valid date value."),
        ({"date_from": "0001-01-01"}, "Enter a date between 1900 and 2100."),
        ({"date_from": "2025-06-02", "date_to": "2025-06-01"}, "The end of the period lies before its start."),
    ],
)
def test_it_answers_bad_filters_with_a_message(app, world, as_persona, args, message):
    admin = as_persona("admin", lang="en")
    for response in (admin.get(AUDIT, query_string=args), admin.htmx("GET", AUDIT, query_string=args)):
        assert response.status_code == 422
        assert message in text(response)


def test_it_shows_a_tampered_chain_as_not_verified(app, world, instance, as_persona):
    open_dossier(as_persona("alice"), world, "carol")
    with app.app_context(), use_practice(world.practices[ONE]):
        edited = db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "dossier.read"))
    # Make it look as if Bob read Carol's dossier.
    tamper(instance, f"UPDATE audit_events SET actor_id = {world.ids['bob']} WHERE id = {edited}")

    page = text(as_persona("admin", lang="en").get(AUDIT))

    assert "The log does not verify." in page and "The log verifies" not in page
    assert f"The first event that does not fit is number {edited}." in page
    assert "This event was changed after it was written." in page


def test_it_audits_the_search_and_shows_it_to_the_person_searched_for(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    admin.get(AUDIT, query_string={"person": world.ids["carol"], "action": "login"})
    with app.app_context(), use_practice(world.practices[ONE]):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log.searched"))
        assert event.actor_id == world.ids["admin"] and event.subject_id == world.ids["carol"]
        assert json.loads(event.detail) == {"action": "login", "involvement": "any", "page": 1,
                                            "person_id": world.ids["carol"]}
    rows = table_body(text(as_persona("carol", lang="en").get(ACCESS_LOG)))
    assert "Practice admin Olga Admin" in rows and "Audit log searched" in rows


def test_it_keeps_the_audit_search_from_coaches_and_clients(app, world, as_persona, visitor):
    for persona in ("alice", "carol"):
        assert as_persona(persona).get(AUDIT).status_code == 403
    assert visitor.get(AUDIT).status_code == 302


def test_it_runs_as_many_queries_for_many_events_as_for_few(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    carol = as_persona("carol", lang="en")

    def counted(visitor, url: str) -> int:
        with count_queries() as statements:
            assert visitor.get(url).status_code == 200
        return len(statements)

    add_events(app, world, 2, actor="alice")
    few = (counted(admin, AUDIT), counted(admin, f"{AUDIT}?person={world.ids['carol']}"), counted(carol, ACCESS_LOG))
    add_events(app, world, 20, actor="alice")
    add_events(app, world, 20, actor="bob")
    many = (counted(admin, AUDIT), counted(admin, f"{AUDIT}?person={world.ids['carol']}"), counted(carol, ACCESS_LOG))
    assert many == few


def test_it_never_shows_a_newcomer_events_about_an_earlier_holder_of_their_id(app, world, as_persona):
    """Older practice files may have handed an erased person's id out again; their events stay in the log."""
    from app.accounts import services as accounts
    from app.accounts.models import User
    from app.accounts.passwords import hash_password

    reused = 4242
    with app.app_context(), use_practice(world.practices[ONE]):
        bob = accounts.user_by_id(world.ids["bob"])
        audit("dossier.read", "client", reused, actor=bob)  # about the erased earlier holder of the id
        db.session.commit()
        db.session.add(User(id=reused, role=Role.CLIENT, email="nieuw@een.test", first_name="Nina", last_name="Nieuw",
                            password_hash=hash_password("plum-river-cactus-7")))
        db.session.flush()
        audit("user.created", "user", reused)
        db.session.commit()
    nina = Visitor(app.test_client())
    nina.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert nina.post(f"/{ONE}/login", {"email": "nieuw@een.test", "password": "plum-river-cactus-7"}).status_code == 303

    rows = table_body(text(nina.get(ACCESS_LOG)))

    assert "Bob" not in rows and "Dossier opened" not in rows
    assert "You" in rows and "Signed in" in rows
    admin = as_persona("admin", lang="en")
    about_nina = table_body(text(admin.get(AUDIT, query_string={"person": reused})))
    assert "Bob Test" not in about_nina and "Nina Nieuw" in about_nina
    everything = table_body(text(admin.get(AUDIT, query_string={"action": "dossier.read"})))
    assert "Nina Nieuw" not in everything and f"(account {reused}, removed)" in everything
