"""A practice whose subscription ended is read-only for its people, with a banner and the erasure date."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.journal.models import JournalEntry
from app.rights.models import DataRequest
from app.tenancy.context import use_practice
from tests.conftest import ONE, TWO
from tests.test_console_practices import add_subscription

YESTERDAY = date.today() - timedelta(days=1)


def journal_count(app, world) -> int:
    with app.app_context(), use_practice(world.practices[ONE]):
        return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def end_yesterday(app) -> None:
    add_subscription(app, ONE, date(2024, 1, 1), YESTERDAY)


def test_it_refuses_a_journal_entry_once_the_subscription_has_ended(app, world, as_persona):
    end_yesterday(app)
    carol = as_persona("carol", lang="en")

    response = carol.post(f"/{ONE}/journal/new", {"entry_date": "2026-03-02", "mood": "4", "text": "A good day."})

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "This practice&#39;s subscription has ended" in page or "This practice's subscription has ended" in page
    assert "Nothing was saved" in page
    assert journal_count(app, world) == 0


def test_it_answers_htmx_with_the_refusal_fragment(app, world, as_persona):
    end_yesterday(app)
    alice = as_persona("alice", lang="en")

    response = alice.htmx("POST", f"/{ONE}/notifications/read")

    assert response.status_code == 403
    assert "<html" not in response.get_data(as_text=True) and "Nothing was saved" in response.get_data(as_text=True)


def test_it_still_lets_people_read_export_and_use_their_rights(app, world, as_persona):
    end_yesterday(app)
    carol = as_persona("carol", lang="en")

    assert carol.get(f"/{ONE}/journal/").status_code == 200
    assert carol.get(f"/{ONE}/privacy/").status_code in (200, 302)
    assert carol.post(f"/{ONE}/exports/mine").status_code == 303
    assert carol.post(f"/{ONE}/requests/new", {"kind": "erasure", "note": ""}).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 1
    assert carol.post(f"/{ONE}/language", {"locale": "nl"}).status_code == 303
    assert carol.post(f"/{ONE}/logout").status_code == 303


def test_it_shows_every_role_a_banner_with_the_erasure_date(app, world, as_persona):
    add_subscription(app, ONE, date(2024, 1, 1), date(2024, 2, 29))

    for persona, page in (("carol", "/journal/"), ("alice", "/coach"), ("admin", "/admin/people/")):
        body = as_persona(persona, lang="en").get(f"/{ONE}{page}").get_data(as_text=True)
        assert "subscription ended on February 29, 2024" in body, persona
        assert "will be erased on February 28, 2026" in body, persona
        has_export_link = f'href="/{ONE}/exports/"' in body
        assert has_export_link == (persona == "admin"), persona

    other = as_persona("eve", lang="en").get(f"/{TWO}/coach").get_data(as_text=True)
    assert "subscription ended" not in other


def test_it_keeps_a_practice_without_subscription_or_ending_later_open(app, world, as_persona):
    add_subscription(app, ONE, date(2024, 1, 1), date.today())
    carol = as_persona("carol", lang="en")

    response = carol.post(f"/{ONE}/journal/new", {"entry_date": "2026-03-02", "mood": "4", "text": "A good day."})

    assert response.status_code == 303
    assert "subscription ended" not in carol.get(f"/{ONE}/journal/").get_data(as_text=True)
    assert journal_count(app, world) == 1


def test_it_refuses_an_archive_import_and_admin_changes_in_a_read_only_practice(app, world, as_persona):
    end_yesterday(app)
    admin = as_persona("admin", lang="en")

    assert admin.post(f"/{ONE}/exports/import").status_code == 403
    assert admin.post(f"/{ONE}/admin/people/invite", {"email": "new@een.test"}).status_code == 403
    assert admin.post(f"/{ONE}/exports/practice").status_code in (303, 409), "the practice export still works"


def test_it_still_lets_a_coach_delete_a_due_dossier_sooner(app, world, as_persona):
    from app.accounts.models import User
    from app.programmes.models import ProgrammeStatus
    from tests.test_dossiers import BASE, add_programme, ended_days_ago, set_months

    set_months(app, world, 0)
    add_programme(app, world, "carol", ProgrammeStatus.FINISHED, ended_days_ago(-10))
    end_yesterday(app)
    alice = as_persona("alice")
    assert alice.post(f"{BASE}/{world.ids['carol']}/delete", {"typed_name": "Carol Test"}).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.get(User, world.ids["carol"]) is None
