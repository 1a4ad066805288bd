"""Dossier retention: due dates, the coach's list, extending once, deleting now, the policy."""
from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.audit.models import AuditEvent
from app.dossiers import services
from app.dossiers.models import DossierExtension, DossierPolicy
from app.extensions import db
from app.privacy.models import PrivacySettings
from app.programmes.models import Programme, ProgrammeStatus
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import ONE

BASE = f"/{ONE}/dossiers"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def add_programme(app, world, persona_or_id, status: str, ended_on: date | None = None) -> None:
    client_id = world.ids[persona_or_id] if isinstance(persona_or_id, str) else persona_or_id
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.add(Programme(
            client_id=client_id, title="A programme", status=status, starts_on=date(2020, 1, 1), ended_on=ended_on,
        ))
        db.session.commit()


def set_months(app, world, months: int) -> None:
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(PrivacySettings, 1).dossier_retention_months = months
        db.session.commit()


def due_of(app, world, persona: str) -> date | None:
    with app.app_context(), use_practice(world.practices[ONE]):
        return services.due_date(accounts.user_by_id(world.ids[persona]))


def ended_days_ago(days: int) -> date:
    """An end date that makes a 0-month dossier due `days` days before today (negative: in the future)."""
    return utcnow().date() - timedelta(days=days)


# --- due dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 3, 15), 24, date(2028, 3, 15)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 5, 5), 0, date(2026, 5, 5)),
])
def test_it_adds_calendar_months_and_clamps_to_the_month_end(start, months, expected):
    assert services.add_months(start, months) == expected


def test_it_counts_from_the_latest_end_once_every_programme_has_ended(app, world):
    set_months(app, world, 1)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, date(2026, 1, 31))
    add_programme(app, world, "carol", ProgrammeStatus.STOPPED, date(2025, 6, 1))
    assert due_of(app, world, "carol") == date(2026, 2, 28)


@pytest.mark.parametrize("running", [ProgrammeStatus.ACTIVE, ProgrammeStatus.INTAKE])
def test_it_gives_no_due_date_while_a_programme_runs(app, world, running):
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, date(2020, 1, 31))
    add_programme(app, world, "carol", running)
    assert due_of(app, world, "carol") is None


def test_it_counts_a_client_without_programme_from_the_account_with_at_least_a_year(app, world):
    set_months(app, world, 0)
    with app.app_context(), use_practice(world.practices[ONE]):
        created = accounts.user_by_id(world.ids["carol"]).created_at.date()
    assert due_of(app, world, "carol") == services.add_months(created, services.NO_PROGRAMME_MIN_MONTHS)
    set_months(app, world, 36)
    assert due_of(app, world, "carol") == services.add_months(created, 36)


def test_it_finds_the_due_dates_of_many_clients_in_a_fixed_number_of_queries(app, world):
    from tests.querycount import count_queries

    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        for n in range(12):
            client = accounts.create_user("client", f"c{n}@een.test", f"C{n}", "Test")
            accounts.assign_coach(alice, client)
            db.session.add(Programme(client_id=client.id, title="p", status=ProgrammeStatus.FINISHED,
                                     starts_on=date(2020, 1, 1), ended_on=date(2020, 2, 1)))
        db.session.commit()
        with count_queries() as queries:
            found = services.due_within(30, utcnow(), alice)
        assert len(found) == 12 and len(queries) <= 6


# --- the coach's list ----------------------------------------------------------------------------------


def test_it_shows_a_coach_only_their_own_clients_due_within_30_days(app, world, as_persona):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(-20))  # due in 20 days
    add_programme(app, world, "dave", ProgrammeStatus.FINISHED, ended_days_ago(5))  # overdue
    alice = text(as_persona("alice", lang="en").get(f"{BASE}/"))
    assert "Carol Test" in alice and "Dave Test" not in alice
    bob = text(as_persona("bob", lang="en").get(f"{BASE}/"))
    assert "Dave Test" in bob and "Carol Test" not in bob and "Due since" in bob
    admin = text(as_persona("admin", lang="en").get(f"{BASE}/"))
    assert "Carol Test" in admin and "Dave Test" in admin


def test_it_leaves_out_dossiers_due_later_than_30_days(app, world, as_persona):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(-31))
    page = text(as_persona("alice", lang="en").get(f"{BASE}/"))
    assert "Carol Test" not in page and "No dossier is due" in page


def test_it_puts_retention_in_the_coach_menu(app, world, as_persona):
    page = as_persona("alice", lang="en").get(f"/{ONE}/clients/").get_data(as_text=True)
    assert f'href="{BASE}/"' in page


# --- extending once ------------------------------------------------------------------------------------


def extend_data(client_id: int, months: str = "6", reason: str = "Court case pending") -> dict[str, str]:
    return {"months": months, "reason": reason}


def test_it_extends_a_dossier_once_with_a_reason(app, world, as_persona):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, date(2026, 1, 31))
    carol = world.ids["carol"]
    alice = as_persona("alice", lang="en")
    assert "Keep the dossier of Carol Test longer?" in text(alice.get(f"{BASE}/{carol}/extend"))
    assert alice.post(f"{BASE}/{carol}/extend", extend_data(carol)).status_code == 303
    assert due_of(app, world, "carol") == date(2026, 7, 31)
    with app.app_context(), use_practice(world.practices[ONE]):
        [extension] = db.session.scalars(select(DossierExtension)).all()
        assert (extension.reason, extension.months, extension.extended_by_id) == ("Court case pending", 6, world.ids["alice"])
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.extended"))
        assert event.subject_id == carol and event.actor_id == world.ids["alice"]
        assert "Court" not in (event.detail or "")

    again = alice.post(f"{BASE}/{carol}/extend", extend_data(carol, "12", "Once more"))
    assert again.status_code == 409 and "only once" in text(again)
    assert "only once" in text(alice.get(f"{BASE}/{carol}/extend"))
    assert "kept 6 months longer" in text(alice.get(f"{BASE}/"))
    assert due_of(app, world, "carol") == date(2026, 7, 31)


@pytest.mark.parametrize("data", [
    {"months": "6", "reason": ""},
    {"months": "6", "reason": "   "},
    {"months": "7", "reason": "Why not"},
    {"months": "abc", "reason": "Why not"},
    {"months": "6", "reason": "x" * 1001},
])
def test_it_refuses_an_extension_without_reason_or_with_odd_months(app, world, as_persona, data):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(1))
    carol = world.ids["carol"]
    response = as_persona("alice", lang="en").post(
        f"{BASE}/{carol}/extend", extend_data(carol, data["months"], data["reason"])
    )
    assert response.status_code == 422
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(select(DossierExtension)) is None


def test_it_refuses_to_extend_while_a_programme_runs(app, world, as_persona):
    add_programme(app, world, "carol", ProgrammeStatus.ACTIVE)
    carol = world.ids["carol"]
    assert as_persona("alice").post(f"{BASE}/{carol}/extend", extend_data(carol)).status_code == 409


def test_it_answers_404_when_extending_someone_elses_client(app, world, as_persona):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(1))
    carol = world.ids["carol"]
    assert as_persona("bob").post(f"{BASE}/{carol}/extend", extend_data(carol)).status_code == 404
    assert as_persona("alice").post(f"{BASE}/99999/extend", extend_data(99999)).status_code == 404
    alice_id = world.ids["alice"]
    assert as_persona("alice").post(f"{BASE}/{alice_id}/extend", extend_data(alice_id)).status_code == 404


# --- deleting now --------------------------------------------------------------------------------------


def test_it_lets_the_coach_delete_a_due_dossier_after_typing_the_name(app, world, as_persona):
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(-10))
    carol = world.ids["carol"]
    alice = as_persona("alice", lang="en")
    page = text(alice.get(f"{BASE}/{carol}/delete"))
    assert "Type the client's full name" in page
    wrong = alice.post(f"{BASE}/{carol}/delete", {"typed_name": "Carol"})
    assert wrong.status_code == 422 and "Type the client's full name" in text(wrong)
    assert as_persona("bob").post(f"{BASE}/{carol}/delete", {"typed_name": "Carol Test"}).status_code == 404
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, carol) is not None
    done = alice.post(f"{BASE}/{carol}/delete", {"typed_name": " carol test "})
    assert done.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, carol) is None
        tombstone = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.erased"))
        assert tombstone.actor_id == world.ids["alice"] and json.loads(tombstone.detail)["by"] == "coach"


def test_it_refuses_to_delete_a_dossier_that_is_not_due(app, world, as_persona):
    set_months(app, world, 24)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(1))
    carol = world.ids["carol"]
    alice = as_persona("alice", lang="en")
    assert alice.get(f"{BASE}/{carol}/delete").status_code == 409
    assert alice.post(f"{BASE}/{carol}/delete", {"typed_name": "Carol Test"}).status_code == 409
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, carol) is not None


def test_it_refuses_to_delete_a_restricted_dossier(app, world, as_persona):
    from app.restrictions.services import restrict

    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(1))
    with app.app_context(), use_practice(world.practices[ONE]):
        restrict(accounts.user_by_id(world.ids["carol"]), "request", None)
        db.session.commit()
    carol = world.ids["carol"]
    assert as_persona("alice").post(f"{BASE}/{carol}/delete", {"typed_name": "Carol Test"}).status_code == 409


# --- the policy ----------------------------------------------------------------------------------------


def test_it_lets_the_admin_set_the_cap_and_anonymising(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    assert "Legal cap" in text(admin.get(f"{BASE}/policy"))
    response = admin.post(f"{BASE}/policy", {"retention_cap_months": "60", "on_expiry": "anonymise"})
    assert response.status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        row = db.session.get(DossierPolicy, 1)
        assert (row.retention_cap_months, row.on_expiry) == (60, "anonymise")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier_policy.updated"))
        assert json.loads(event.detail) == {"fields": ["on_expiry", "retention_cap_months"]}


@pytest.mark.parametrize("data", [
    {"retention_cap_months": "12", "on_expiry": "erase"},  # below the 24 months kept now
    {"retention_cap_months": "121", "on_expiry": "erase"},
    {"retention_cap_months": "-1", "on_expiry": "erase"},
    {"retention_cap_months": "many", "on_expiry": "erase"},
    {"retention_cap_months": "60", "on_expiry": "shred"},
    {"retention_cap_months": "60"},
])
def test_it_refuses_a_bad_policy(app, world, as_persona, data):
    response = as_persona("admin", lang="en").post(f"{BASE}/policy", data)
    assert response.status_code == 422
    with app.app_context(), use_practice(world.practices[ONE]):
        row = db.session.get(DossierPolicy, 1)
        assert (row.retention_cap_months, row.on_expiry) == (120, "erase")


def test_it_keeps_the_retention_period_within_the_cap_on_the_privacy_page(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    assert admin.post(f"{BASE}/policy", {"retention_cap_months": "36", "on_expiry": "erase"}).status_code == 303
    settings_page = text(admin.get(f"/{ONE}/privacy/settings"))
    assert f'href="{BASE}/policy"' in settings_page
    form = {
        "legal_name": "Praktijk Een BV", "address": "Straat 1", "contact_email": "info@een.test",
        "officer_name": "Olga Admin", "officer_email": "privacy@een.test", "dossier_retention_months": "48",
    }
    response = admin.post(f"/{ONE}/privacy/settings", form)
    assert response.status_code == 422 and "legal cap is 36 months" in text(response)
    assert admin.post(f"/{ONE}/privacy/settings", {**form, "dossier_retention_months": "36"}).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(PrivacySettings, 1).dossier_retention_months == 36


def test_it_dates_the_due_list_in_utc(app, world):
    # A programme that ended today with 0 months is due today, whatever the hour in UTC.
    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, date(2026, 3, 1))
    with app.app_context(), use_practice(world.practices[ONE]):
        late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        assert [d.client.id for d in services.due_within(0, late)] == [world.ids["carol"]]
        assert services.due_within(0, late - timedelta(days=1)) == []


def test_it_refuses_to_extend_a_restricted_dossier_without_an_error(app, world, as_persona):
    from app.restrictions.services import restrict

    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(1))
    with app.app_context(), use_practice(world.practices[ONE]):
        restrict(accounts.user_by_id(world.ids["carol"]), "request", None)
        db.session.commit()
    carol = world.ids["carol"]
    response = as_persona("alice").post(f"{BASE}/{carol}/extend", extend_data(carol))
    assert 400 <= response.status_code < 500
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(select(DossierExtension)) is None
