"""The practice's public privacy page, its privacy settings and its processors register."""
from __future__ import annotations

import html
import json
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.config import load_config
from app.extensions import db
from app.privacy import periods
from app.privacy.models import PrivacySettings, Processor
from app.tenancy.context import use_practice
from tests.conftest import ONE, TWO, Visitor

STATEMENT = f"/{ONE}/privacy/"
SETTINGS = f"/{ONE}/privacy/settings"
PROCESSORS = f"/{ONE}/privacy/processors"
AP_LINK = 'href="https://autoriteitpersoonsgegevens.nl"'

GOOD_SETTINGS = {
    "legal_name": "Loopbaanpraktijk Een B.V.",
    "address": "Oudegracht 1\n3511 AA Utrecht",
    "coc_number": "12345678",
    "contact_email": "info@een.test",
    "officer_name": "Petra Privacy",
    "officer_email": "privacy@een.test",
    "officer_phone": "030 123 45 67",
    "dossier_retention_months": "18",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def readable(response) -> str:
    """The page as a person reads it (entities such as &#39; resolved)."""
    return html.unescape(text(response))


def configure(app, world, slug: str = ONE, **values) -> None:
    """Fill the practice's privacy settings directly, as the admin would."""
    with app.app_context(), use_practice(world.practices[slug]):
        settings = db.session.get(PrivacySettings, 1)
        for name, value in values.items():
            setattr(settings, name, value)
        db.session.commit()


def add_processor(app, world, slug: str = ONE, **values) -> int:
    with app.app_context(), use_practice(world.practices[slug]):
        processor = Processor(**{"name": "Hosting BV", "purpose": "Hosting", **values})
        db.session.add(processor)
        db.session.commit()
        return processor.id


def stored_settings(app, world) -> dict:
    with app.app_context(), use_practice(world.practices[ONE]):
        settings = db.session.get(PrivacySettings, 1)
        return {name: getattr(settings, name) for name in (*GOOD_SETTINGS, "updated_at")}


def stored_processors(app, world) -> list[tuple]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [
            (p.name, p.purpose, p.location, p.agreement_date, p.note)
            for p in db.session.scalars(select(Processor).order_by(Processor.id))
        ]


def events(app, world, action: str) -> list[AuditEvent]:
    with app.app_context(), use_practice(world.practices[ONE]):
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return found


# --- the public page --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_it_shows_the_privacy_page_to_anyone_filled_from_the_settings(app, world, lang):
    configure(app, world, legal_name="Loopbaanpraktijk Een B.V.", address="Oudegracht 1, Utrecht",
              coc_number="12345678", contact_email="info@een.test", officer_name="Petra Privacy",
              officer_email="privacy@een.test", officer_phone="030 1234567", dossier_retention_months=18)
    add_processor(app, world, name="Mailbezorger BV", purpose="Sending e-mail", location="Ireland (EU)",
                  agreement_date=date(2024, 3, 1))
    add_processor(app, world, name="Hostingbedrijf BV", purpose="Hosting of Koers", location="the Netherlands")
    app.config.update(OPERATOR_NAME="Koers Hosting B.V.", OPERATOR_EMAIL="ops@koers.test",
                      OPERATOR_ADDRESS="Hoofdweg 9, Rotterdam")
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang

    response = visitor.get(STATEMENT)

    assert response.status_code == 200
    page = text(response)
    assert f'<html lang="{lang}">' in page
    for value in ("Loopbaanpraktijk Een B.V.", "Oudegracht 1, Utrecht", "12345678", "info@een.test",
                  "Petra Privacy", "privacy@een.test", "030 1234567",
                  "Koers Hosting B.V.", "ops@koers.test", "Hoofdweg 9, Rotterdam",
                  "Mailbezorger BV", "Sending e-mail", "Ireland (EU)", "Hostingbedrijf BV", "Hosting of Koers"):
        assert value in page, value
    assert AP_LINK in page
    # The retention periods from the settings and the fixed promises.
    assert 'data-retention="dossier">18 ' in page
    assert 'data-retention="special">' in page and str(periods.SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION) in page
    assert f'data-retention="billing">{periods.BILLING_RETENTION_YEARS} ' in page


def test_it_states_the_rights_the_answer_time_and_no_automated_decisions(app, world):
    page = text(Visitor(app.test_client()).get(STATEMENT, headers={"Accept-Language": "en"}))
    for phrase in ("Access", "Rectification", "Erasure", "Restriction", "Objection", "Withdrawal of consent",
                   "Data portability", "within two weeks", "No automated decisions", "Autoriteit Persoonsgegevens",
                   "never sold"):
        assert phrase in page, phrase
    assert f'href="/{ONE}/privacy/mine"' in page  # how to use the rights when signed in


def test_it_shows_each_practice_its_own_statement(app, world):
    configure(app, world, legal_name="Praktijk Een B.V.", dossier_retention_months=36)
    configure(app, world, TWO, legal_name="Praktijk Twee V.O.F.", dossier_retention_months=6)
    add_processor(app, world, TWO, name="Alleen Twee BV")

    one = text(Visitor(app.test_client()).get(STATEMENT, headers={"Accept-Language": "en"}))
    two = text(Visitor(app.test_client()).get(f"/{TWO}/privacy/", headers={"Accept-Language": "en"}))

    assert "Praktijk Een B.V." in one and "Praktijk Twee" not in one and "Alleen Twee BV" not in one
    assert 'data-retention="dossier">36 months' in one
    assert "Praktijk Twee V.O.F." in two and 'data-retention="dossier">6 months' in two and "Alleen Twee BV" in two


def test_it_falls_back_to_the_practice_name_before_the_settings_are_filled(app, world):
    page = text(Visitor(app.test_client()).get(STATEMENT, headers={"Accept-Language": "en"}))
    assert "Privacy statement of Praktijk Een" in page
    assert "has not named a privacy officer yet" in page
    assert f'data-retention="dossier">{periods.DOSSIER_RETENTION_DEFAULT_MONTHS} months' in page
    assert "the operator of this installation" in page


def test_it_says_a_dossier_kept_zero_months_is_deleted_when_the_programme_ends(app, world):
    configure(app, world, dossier_retention_months=0)
    page = text(Visitor(app.test_client()).get(STATEMENT, headers={"Accept-Language": "en"}))
    assert 'data-retention="dossier">until the programme ends; then it is deleted' in page
    assert "the whole dossier is deleted" in page


def test_it_links_the_privacy_page_from_the_sign_in_page_and_every_practice_page(app, world, as_persona):
    login = text(Visitor(app.test_client()).get(f"/{ONE}/login"))
    assert f'href="/{ONE}/privacy/"' in login
    page = text(as_persona("carol").get(f"/{ONE}/privacy/mine"))
    assert f'href="/{ONE}/privacy/"' in page


def test_it_reads_the_operator_from_koers_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("KOERS_OPERATOR_NAME", "Hosting Noord B.V.")
    monkeypatch.setenv("KOERS_OPERATOR_EMAIL", "privacy@noord.test")
    flask_app = Flask(__name__, instance_path=str(tmp_path))

    load_config(flask_app, None)

    assert flask_app.config["OPERATOR_NAME"] == "Hosting Noord B.V."
    assert flask_app.config["OPERATOR_EMAIL"] == "privacy@noord.test"
    assert flask_app.config["OPERATOR_ADDRESS"] == ""


# --- privacy settings -----------------------------------------------------------------------------


def test_it_lets_the_admin_fill_in_the_privacy_settings_audited_by_field_name(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    page = admin.get(SETTINGS)
    assert page.status_code == 200 and "<h1>Privacy</h1>" in text(page)

    saved = admin.post(SETTINGS, GOOD_SETTINGS)

    assert saved.status_code == 303
    stored = stored_settings(app, world)
    assert stored["legal_name"] == "Loopbaanpraktijk Een B.V."
    assert stored["dossier_retention_months"] == 18
    assert stored["officer_phone"] == "030 123 45 67" and stored["updated_at"] is not None
    [event] = events(app, world, "privacy_settings.updated")
    assert event.actor_id == world.ids["admin"]
    assert json.loads(event.detail)["fields"] == sorted(GOOD_SETTINGS)
    for value in GOOD_SETTINGS.values():
        if len(value) > 3:
            assert value not in (event.detail or "")
    assert "The privacy settings have been saved." in text(admin.get(SETTINGS))
    assert "Petra Privacy" in text(Visitor(app.test_client()).get(STATEMENT))


def test_it_stores_empty_optional_settings_as_missing(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    assert admin.post(SETTINGS, {**GOOD_SETTINGS, "coc_number": "  ", "officer_phone": ""}).status_code == 303
    stored = stored_settings(app, world)
    assert stored["coc_number"] is None and stored["officer_phone"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legal_name", "", "Enter the practice's legal name."),
        ("officer_email", "not-an-address", "Enter a valid e-mail address."),
        ("contact_email", "", "Enter an e-mail address."),
        ("dossier_retention_months", "121", "Enter a number of months between 0 and 120."),
        ("dossier_retention_months", "-1", "Enter a number of months between 0 and 120."),
        ("dossier_retention_months", "twelve", "Not a valid integer value."),
        ("dossier_retention_months", "", "Enter a number of months."),
        ("officer_name", "x" * 201, "Keep this under 200 characters."),
    ],
)
def test_it_refuses_bad_settings_with_a_message_and_changes_nothing(app, world, as_persona, field, value, message):
    admin = as_persona("admin", lang="en")
    before = stored_settings(app, world)

    response = admin.post(SETTINGS, {**GOOD_SETTINGS, field: value})

    assert response.status_code == 422
    assert message in readable(response)
    assert stored_settings(app, world) == before
    assert events(app, world, "privacy_settings.updated") == []


def test_it_keeps_the_settings_page_from_coaches_and_clients(app, world, as_persona):
    for persona in ("alice", "carol"):
        visitor = as_persona(persona)
        assert visitor.get(SETTINGS).status_code == 403
        assert visitor.post(SETTINGS, GOOD_SETTINGS).status_code == 403
    assert stored_settings(app, world)["legal_name"] == ""


# --- the processors register ------------------------------------------------------------------------


def new_processor(**values: str) -> dict[str, str]:
    fields = {"name": "Mailbezorger BV", "purpose": "Sending e-mail", "location": "Ireland (EU)",
              "agreement_date": "2024-03-01", "note": "", **values}
    return {f"new-{k}": v for k, v in fields.items()}


def test_it_lets_the_admin_add_edit_and_remove_processors_with_htmx(app, world, as_persona):
    admin = as_persona("admin", lang="en")

    added = admin.htmx("POST", PROCESSORS, new_processor())
    assert added.status_code == 200
    fragment = text(added)
    assert "<html" not in fragment and 'id="processors-register"' in fragment and "Mailbezorger BV" in fragment
    assert stored_processors(app, world) == [("Mailbezorger BV", "Sending e-mail", "Ireland (EU)", date(2024, 3, 1), None)]
    [processor_id] = [e.object_id for e in events(app, world, "processor.created")]

    form = admin.htmx("GET", f"{PROCESSORS}/{processor_id}/edit")
    assert form.status_code == 200 and 'value="Mailbezorger BV"' in text(form) and "<html" not in text(form)

    changed = admin.htmx("POST", f"{PROCESSORS}/{processor_id}/edit",
                         {"name": "Mailbezorger BV", "purpose": "Sending e-mail", "location": "Germany (EU)",
                          "agreement_date": "2024-03-01", "note": "Renewed yearly"})
    assert changed.status_code == 200 and "Germany (EU)" in text(changed)
    assert stored_processors(app, world)[0][2:] == ("Germany (EU)", date(2024, 3, 1), "Renewed yearly")
    [update] = events(app, world, "processor.updated")
    assert json.loads(update.detail) == {"fields": ["location", "note"]}

    removed = admin.htmx("POST", f"{PROCESSORS}/{processor_id}/delete")
    assert removed.status_code == 200 and "No processors in the register yet." in text(removed)
    assert stored_processors(app, world) == []
    assert len(events(app, world, "processor.deleted")) == 1


def test_it_works_without_htmx_too(app, world, as_persona):
    admin = as_persona("admin", lang="en")
    added = admin.post(PROCESSORS, new_processor(agreement_date=""))
    assert added.status_code == 303 and added.headers["Location"].endswith(f"/{ONE}/privacy/settings#processors")
    processor_id = add_processor(app, world, name="Second BV")
    page = admin.get(f"{PROCESSORS}/{processor_id}/edit")
    assert page.status_code == 200 and "<h1>Edit processor</h1>" in text(page)
    saved = admin.post(f"{PROCESSORS}/{processor_id}/edit", {"name": "Tweede BV", "purpose": "Backups"})
    assert saved.status_code == 303
    assert [p[:2] for p in stored_processors(app, world)] == [("Mailbezorger BV", "Sending e-mail"), ("Tweede BV", "Backups")]
    assert admin.post(f"{PROCESSORS}/{processor_id}/delete").status_code == 303
    assert [p[0] for p in stored_processors(app, world)] == ["Mailbezorger BV"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": ""}, "Enter the processor's name."),
        ({"purpose": "  "}, "Describe what the processor does."),
        ({"agreement_date": "2024-02-30"}, "Not a valid date value."),
        ({"agreement_date": "1066-10-14"}, "Enter a date between 1900 and 2100."),
        ({"note": "x" * 1001}, "Keep this under 1000 characters."),
    ],
)
def test_it_refuses_a_bad_processor_and_changes_nothing(app, world, as_persona, values, message):
    admin = as_persona("admin", lang="en")
    processor_id = add_processor(app, world, name="Bestaand BV")
    before = stored_processors(app, world)

    added = admin.htmx("POST", PROCESSORS, new_processor(**values))
    plain = admin.post(PROCESSORS, new_processor(**values))
    edited = admin.htmx("POST", f"{PROCESSORS}/{processor_id}/edit",
                        {k.removeprefix("new-"): v for k, v in new_processor(**values).items()})

    for response in (added, plain, edited):
        assert response.status_code == 422
        assert message in readable(response)
    assert stored_processors(app, world) == before
    assert events(app, world, "processor.created") == [] and events(app, world, "processor.updated") == []


def test_it_answers_404_for_an_unknown_processor(app, world, as_persona):
    admin = as_persona("admin")
    other = add_processor(app, world, TWO, name="Van Twee BV")  # an id that exists only in the other practice
    for url in (f"{PROCESSORS}/99999/edit", f"{PROCESSORS}/{other}/edit", f"{PROCESSORS}/99999999999999999999/edit"):
        assert admin.get(url).status_code == 404
    assert admin.post(f"{PROCESSORS}/99999/delete").status_code == 404
