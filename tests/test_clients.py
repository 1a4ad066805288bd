"""Clients: creating them, who may open a dossier, searching, and correcting details."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from app.accounts import services as accounts
from app.audit.models import AuditChange, AuditEvent
from app.extensions import db
from app.settings.models import PracticeSettings
from app.tenancy.context import use_practice
from tests.conftest import ONE

from sqlalchemy import select


def english(visitor):
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return visitor


NEW = {
    "first_name": "Hanna", "last_name": "Kuiper", "email": "hanna@een.test", "phone": "06-12345678",
    "address": "Dorpsstraat 1", "date_of_birth": "1988-04-02", "referral_notes": "Werkgever: Gemeente",
    "send_invitation": "y",
}


def test_it_lets_a_coach_add_a_client_who_is_then_theirs(app, world, as_persona, mailbox):
    alice = english(as_persona("alice"))
    response = alice.post(f"/{ONE}/clients/new", NEW)
    assert response.status_code == 303
    dossier = alice.get(response.headers["Location"])
    assert dossier.status_code == 200 and "Hanna Kuiper" in dossier.get_data(as_text=True)
    assert mailbox.to("hanna@een.test"), "the invitation did not arrive"
    with app.app_context(), use_practice(world.practices[ONE]):
        hanna = accounts.user_by_email("hanna@een.test")
        assert [c.first_name for c in accounts.coaches_of(hanna)] == ["Alice"]
    # Bob is not her coach: her dossier does not exist for him.
    assert english(as_persona("bob")).get(response.headers["Location"]).status_code == 404


def test_it_refuses_bad_client_details_and_adds_nobody(app, world, as_persona):
    alice = english(as_persona("alice"))
    bad = {**NEW, "email": "not-an-address", "date_of_birth": "2999-01-01"}
    response = alice.post(f"/{ONE}/clients/new", bad)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a date of birth between 1900 and today." in text
    with app.app_context(), use_practice(world.practices[ONE]):
        assert accounts.user_by_email("hanna@een.test") is None


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 404), ("carol", 403), ("dave", 403), ("admin", 403), ("eve", 302)],
)
def test_it_shows_a_dossier_only_to_the_clients_coach(world, as_persona, persona, status):
    carol = world.ids["carol"]
    response = as_persona(persona).get(f"/{ONE}/clients/{carol}")
    assert response.status_code == status
    fragment = as_persona(persona).get(f"/{ONE}/clients/{carol}/sections/details")
    assert fragment.status_code == status
    if status != 200:
        assert b"carol@een.test" not in fragment.data


def test_it_sends_an_anonymous_visitor_to_sign_in(world, visitor):
    response = visitor.get(f"/{ONE}/clients/{world.ids['carol']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_opens_every_dossier_to_every_coach_when_caseloads_are_shared(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(PracticeSettings, 1).shared_caseloads = True
        db.session.commit()
    assert as_persona("bob").get(f"/{ONE}/clients/{world.ids['carol']}").status_code == 200


def test_it_answers_an_unknown_client_or_a_coach_id_with_404(world, as_persona):
    alice = as_persona("alice")
    assert alice.get(f"/{ONE}/clients/99999").status_code == 404
    assert alice.get(f"/{ONE}/clients/{world.ids['bob']}").status_code == 404
    assert alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/nonsense").status_code == 404


def test_it_searches_the_coachs_own_clients_as_a_fragment_for_htmx(world, as_persona):
    alice = as_persona("alice")
    page = alice.get(f"/{ONE}/clients/?q=car", headers={"HX-Request": "true"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Carol Test" in text and "<html" not in text
    assert "HX-Request" in page.headers.get("Vary", "")
    assert "Dave" not in alice.get(f"/{ONE}/clients/?q=dave").get_data(as_text=True)


def test_it_keeps_before_and_after_of_a_correction_out_of_the_log_text(app, world, instance, as_persona):
    alice = english(as_persona("alice"))
    carol = world.ids["carol"]
    response = alice.post(
        f"/{ONE}/clients/{carol}/details",
        {"first_name": "Carol", "last_name": "Test", "email": "carol@een.test", "phone": "0201234567", "address": "Kade 9"},
    )
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "details.corrected")).one()
        assert event.object_id == carol and event.actor_id == world.ids["alice"]
        assert "0201234567" not in (event.detail or "")
        changes = {c.field: (c.before, c.after) for c in db.session.scalars(select(AuditChange).where(AuditChange.event_id == event.id))}
        assert changes["phone"] == (None, "0201234567") and changes["address"] == (None, "Kade 9")
    with closing(sqlite3.connect(instance / "tenants" / f"{ONE}.sqlite")) as conn:
        raw = b"".join(row[0] or b"" for row in conn.execute("SELECT after FROM audit_changes"))
    assert b"0201234567" not in raw, "the change record is not encrypted"


def test_it_lets_a_client_correct_their_own_details_with_the_same_record(app, world, as_persona):
    carol = english(as_persona("carol"))
    response = carol.post(f"/{ONE}/account", {"first_name": "Caroline", "last_name": "Test", "phone": "", "address": ""})
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        change = db.session.scalars(select(AuditChange).where(AuditChange.field == "first_name")).one()
        assert (change.before, change.after) == ("Carol", "Caroline")


def test_it_audits_each_dossier_section_that_is_read(app, world, as_persona):
    as_persona("alice").get(f"/{ONE}/clients/{world.ids['carol']}/sections/details")
    with app.app_context(), use_practice(world.practices[ONE]):
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.read")).all()
        assert [(e.object_id, e.actor_id, e.detail) for e in reads] == [
            (world.ids["carol"], world.ids["alice"], '{"section": "details"}')
        ]


def test_it_lets_the_practice_admin_share_caseloads_from_the_settings_page(app, world, as_persona):
    bob = as_persona("bob")
    assert bob.get(f"/{ONE}/clients/{world.ids['carol']}").status_code == 404
    admin = as_persona("admin", lang="en")
    assert "Shared caseloads" in admin.get(f"/{ONE}/admin/settings/").get_data(as_text=True)
    assert admin.post(f"/{ONE}/admin/settings/", {"shared_caseloads": "y"}).status_code == 303
    assert bob.get(f"/{ONE}/clients/{world.ids['carol']}").status_code == 200
    assert as_persona("dave").get(f"/{ONE}/clients/{world.ids['carol']}").status_code == 403
