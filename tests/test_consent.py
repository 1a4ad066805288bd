"""Consent: the versioned text, the gate before a client's dossier, records, withdrawal and the admin's side."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.consent import services
from app.consent.models import Consent, ConsentHow, ConsentVersion
from app.extensions import db
from app.journal.models import JournalEntry
from app.restrictions import services as restrictions
from app.restrictions.models import RestrictionReason
from app.tenancy.context import use_practice
from tests.conftest import ONE, PASSWORD, TWO, Visitor

P = f"/{ONE}"
FRANK = "frank@een.test"


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def frank_id(app, world) -> int:
    """A new client of alice's who has not consented to anything yet."""
    with app.app_context(), use_practice(world.practices[ONE]):
        frank = accounts.create_user(Role.CLIENT, FRANK, "Frank", "Nieuw", password=PASSWORD)
        accounts.assign_coach(accounts.user_by_id(world.ids["alice"]), frank)
        db.session.commit()
        return frank.id


def sign_in(app, email: str, lang: str = "en") -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    response = visitor.post(f"{P}/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 303
    return visitor


@pytest.fixture
def frank(app, frank_id) -> Visitor:
    return sign_in(app, FRANK)


def version_field(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def consent_now(visitor: Visitor, next_url: str | None = None):
    url = f"{P}/consent/" + (f"?next={next_url}" if next_url else "")
    page = text(visitor.get(url))
    return visitor.post(url, {"agree": "y", "version": version_field(page)})


def events(app, world, action: str, slug: str = ONE) -> list[AuditEvent]:
    with app.app_context(), use_practice(world.practices[slug]):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def consents_of(app, world, user_id: int) -> list[tuple[int, str, bool]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        rows = db.session.execute(
            select(ConsentVersion.number, Consent.given_how, Consent.withdrawn_at.is_not(None))
            .join(ConsentVersion, ConsentVersion.id == Consent.version_id)
            .where(Consent.user_id == user_id)
            .order_by(Consent.id)
        )
        return [tuple(row) for row in rows]


def publish(admin: Visitor, body_nl: str, body_en: str):
    return admin.post(f"{P}/consent/texts", {"body_nl": body_nl, "body_en": body_en})


# --- the gate ----------------------------------------------------------------------------------


def test_it_sends_a_client_without_consent_to_the_consent_page_first(frank):
    response = frank.get(f"{P}/me")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{P}/consent/?next=/{ONE}/me")
    assert frank.get(f"{P}/journal/").status_code == 303
    page = text(frank.get(f"{P}/consent/?next=/{ONE}/me"))
    for words in ("What is kept", "session", "journal", "Why", "For how long", "Who sees it",
                  "Other clients never see your data", "does not read your dossier", "My privacy"):
        assert words in page, words
    box = re.search(r'<input[^>]*name="agree"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "Not now?" in page and "Sign out" in page


def test_it_lets_the_client_in_once_they_consented(app, world, frank, frank_id):
    response = consent_now(frank, f"/{ONE}/journal/")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{ONE}/journal/")
    assert frank.get(f"{P}/me").status_code == 200
    assert frank.post(f"{P}/journal/new", {"entry_date": "2026-03-02", "mood": "4", "text": "Day one."}).status_code == 303
    assert consents_of(app, world, frank_id) == [(1, ConsentHow.WEB, False)]
    [given] = events(app, world, "consent.given")[-1:]
    assert given.subject_id == frank_id and given.actor_id == frank_id
    assert "Day one" not in (given.detail or "")


def test_it_needs_the_box_ticked(app, world, frank, frank_id):
    page = text(frank.get(f"{P}/consent/"))
    response = frank.post(f"{P}/consent/", {"version": version_field(page)})
    assert response.status_code == 422
    assert "Tick the box to give your consent." in text(response)
    assert consents_of(app, world, frank_id) == []
    assert frank.get(f"{P}/me").status_code == 303


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_it_refuses_a_forged_version_and_records_nothing(app, world, frank, frank_id, version):
    frank.get(f"{P}/consent/")
    response = frank.post(f"{P}/consent/", {"agree": "y", "version": version})
    assert response.status_code in (409, 422)
    assert consents_of(app, world, frank_id) == []


def test_it_refuses_posts_and_htmx_before_consent_and_saves_nothing(app, world, frank, frank_id):
    refused = frank.post(f"{P}/journal/new", {"entry_date": "2026-03-02", "mood": "4", "text": "Too early."})
    assert refused.status_code == 403
    assert "First read the consent text and give your consent" in text(refused)
    assert frank.htmx("GET", f"{P}/me").status_code == 403
    assert frank.htmx("POST", f"{P}/journal/new", {"entry_date": "2026-03-02", "text": "Too early."}).status_code == 403
    with app.app_context(), use_practice(world.practices[ONE]):
        assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.client_id == frank_id)) == 0


def test_it_leaves_account_language_badges_and_sign_out_open_before_consent(frank):
    assert frank.get(f"{P}/account").status_code == 200
    assert frank.get(f"{P}/notifications/badge").status_code == 200
    assert frank.post(f"{P}/language", {"locale": "nl", "next": f"/{ONE}/consent/"}).status_code == 303
    assert frank.post(f"{P}/logout").status_code == 303
    assert frank.get(f"{P}/me").status_code == 302  # signed out: to the sign-in page


def test_it_does_not_stop_coaches_or_admins(as_persona):
    assert as_persona("alice").get(f"{P}/coach").status_code == 200
    assert as_persona("admin").get(f"{P}/admin/people/").status_code == 200


def test_it_asks_again_when_a_new_version_is_published(app, world, as_persona):
    carol = as_persona("carol", "en")
    assert carol.get(f"{P}/me").status_code == 200
    admin = as_persona("admin", "en")
    assert publish(admin, "Nieuwe afspraken over je gegevens.", "New agreements about your data.").status_code == 303
    assert carol.get(f"{P}/me").status_code == 303
    page = text(carol.get(f"{P}/consent/"))
    assert "New agreements about your data." in page and "Version 2" in page
    assert consent_now(carol).status_code == 303
    assert carol.get(f"{P}/me").status_code == 200
    assert consents_of(app, world, world.ids["carol"]) == [(1, "web", False), (2, "web", False)]


def test_it_shows_the_text_in_the_clients_language(as_persona):
    admin = as_persona("admin", "en")
    assert publish(admin, "Nederlandse tekst.", "English text.").status_code == 303
    assert "English text." in text(as_persona("carol", "en").get(f"{P}/consent/"))
    dutch = text(as_persona("dave", "nl").get(f"{P}/consent/"))
    assert "Nederlandse tekst." in dutch and "English text." not in dutch


def test_it_falls_back_to_the_other_language_when_one_is_empty():
    version = ConsentVersion(number=3, body_nl="", body_en="Only English.")
    assert version.body_for("nl") == "Only English."
    assert ConsentVersion(number=3, body_nl="Alleen Nederlands.", body_en=" ").body_for("en") == "Alleen Nederlands."


def test_it_refuses_consent_to_a_text_replaced_while_it_was_read(app, world, as_persona, frank, frank_id):
    old = version_field(text(frank.get(f"{P}/consent/")))
    assert publish(as_persona("admin"), "Versie twee.", "Version two.").status_code == 303
    response = frank.post(f"{P}/consent/", {"agree": "y", "version": old})
    assert response.status_code == 409
    assert "The consent text changed while you were reading it" in text(response) and "Version two." in text(response)
    assert consents_of(app, world, frank_id) == []


def test_it_makes_version_one_from_the_default_text_in_both_languages(app, world):
    with app.app_context(), use_practice(world.practices[TWO]):
        assert services.newest_version() is None
        version = services.current_version()
        db.session.commit()
        assert version.number == 1 and version.published_by_id is None
        for body in (version.body_nl, version.body_en):
            assert "Praktijk Twee" in body and "### " in body
        assert "What is kept" in version.body_en and "Who sees it" in version.body_en
        assert services.current_version().id == version.id  # made once
    [event] = events(app, world, "consent_version.published", TWO)
    assert event.actor_id is None and event.actor_role == "system"


def test_it_attributes_version_one_to_koers_not_to_the_first_visitor(app, world):
    with app.app_context(), use_practice(world.practices[TWO]):
        accounts.set_password(accounts.user_by_email("admin@twee.test"), PASSWORD)
        db.session.commit()
    admin = Visitor(app.test_client())
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert admin.post(f"/{TWO}/login", {"email": "admin@twee.test", "password": PASSWORD}).status_code == 303
    assert "Version 1, in force since" in text(admin.get(f"/{TWO}/consent/texts"))
    [event] = events(app, world, "consent_version.published", TWO)
    assert event.actor_id is None and event.actor_role == "system"


# --- the practice admin's text -----------------------------------------------------------------


def test_it_publishes_a_new_version_sanitised_and_audited(app, world, as_persona):
    admin = as_persona("admin", "en")
    page = text(admin.get(f"{P}/consent/texts"))
    assert "Version 1, in force since" in page and "What is kept" in page
    response = publish(admin, "### Wat we bewaren\nAlles.", "### What we keep\nAll of it.<script>alert(1)</script>")
    assert response.status_code == 303
    page = text(admin.get(f"{P}/consent/texts"))
    assert "Version 2, in force since" in page and "<h3>What we keep</h3>" in page
    assert "<script>alert(1)" not in page.split("<form")[0]
    carol_page = text(as_persona("carol", "en").get(f"{P}/consent/"))
    assert "<h3>What we keep</h3>" in carol_page and "<script>alert(1)" not in carol_page
    [event] = [e for e in events(app, world, "consent_version.published") if e.actor_id == world.ids["admin"]]
    assert "What we keep" not in (event.detail or "")


@pytest.mark.parametrize(
    "body_nl, body_en, message",
    [
        ("", "Only English.", "Write the Dutch text."),
        ("Alleen Nederlands.", "", "Write the English text."),
        ("x" * 50_001, "ok", "Keep each text under 50000 characters."),
    ],
)
def test_it_refuses_an_incomplete_text(app, world, as_persona, body_nl, body_en, message):
    response = publish(as_persona("admin", "en"), body_nl, body_en)
    assert response.status_code == 422 and message in text(response)
    with app.app_context(), use_practice(world.practices[ONE]):
        assert services.newest_version().number == 1


def test_it_refuses_to_publish_an_unchanged_text(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        version = services.current_version()
        body_nl, body_en = version.body_nl, version.body_en
    response = publish(as_persona("admin", "en"), body_nl, body_en)
    assert response.status_code == 422 and "nothing to publish" in text(response)


def test_it_keeps_the_text_pages_to_practice_admins(as_persona):
    for persona in ("alice", "carol"):
        assert as_persona(persona).get(f"{P}/consent/texts").status_code == 403
        assert publish(as_persona(persona), "a", "b").status_code == 403


# --- records -----------------------------------------------------------------------------------


def test_it_shows_the_client_their_consent_and_its_history(as_persona):
    page = text(as_persona("carol", "en").get(f"{P}/consent/"))
    assert "You gave your consent to version 1 of the consent text on" in page
    assert "Your consents so far" in page and "online, in Koers" in page
    assert "Withdraw my consent" in page


def test_it_shows_the_admin_each_clients_consent(world, as_persona, frank_id):
    admin = as_persona("admin", "en")
    listing = text(admin.get(f"{P}/consent/people"))
    assert "Given (version 1)" in listing and "Not yet given" in listing and "Frank" in listing
    page = text(admin.get(f"{P}/consent/people/{world.ids['carol']}"))
    assert "Consented to version 1 on" in page and "online, in Koers" in page
    assert "Record a withdrawal received outside Koers" in page
    assert "The dossier is not restricted." in page


def test_it_records_a_consent_received_on_paper(app, world, as_persona, frank_id):
    admin = as_persona("admin", "en")
    response = admin.post(f"{P}/consent/people/{frank_id}/consent", {"give-how": "paper"})
    assert response.status_code == 303
    assert consents_of(app, world, frank_id) == [(1, "paper", False)]
    page = text(admin.get(f"{P}/consent/people/{frank_id}"))
    assert "on paper" in page and "recorded by Olga Admin" in page
    frank = sign_in(app, FRANK)
    assert frank.get(f"{P}/me").status_code == 200
    [given] = events(app, world, "consent.given")[-1:]
    assert given.subject_id == frank_id and given.actor_id == world.ids["admin"]
    again = admin.post(f"{P}/consent/people/{frank_id}/consent", {"give-how": "email"})
    assert again.status_code == 409 and "already consented" in text(again)


@pytest.mark.parametrize("how", ["", "web", "fax", "x" * 300])
def test_it_refuses_an_unknown_way_of_receiving(app, world, as_persona, frank_id, how):
    response = as_persona("admin", "en").post(f"{P}/consent/people/{frank_id}/consent", {"give-how": how})
    assert response.status_code == 422
    assert consents_of(app, world, frank_id) == []


def test_it_answers_404_for_people_who_are_not_clients(world, as_persona):
    admin = as_persona("admin")
    for user_id in (world.ids["alice"], world.ids["admin"], 99999, 0):
        assert admin.get(f"{P}/consent/people/{user_id}").status_code == 404
        assert admin.post(f"{P}/consent/people/{user_id}/consent", {"give-how": "paper"}).status_code == 404
        assert admin.post(f"{P}/consent/people/{user_id}/withdrawal", {"withdraw-how": "paper"}).status_code == 404


# --- withdrawal --------------------------------------------------------------------------------


def withdraw(visitor: Visitor, confirm: bool = True):
    return visitor.post(f"{P}/consent/withdraw", {"confirm": "y"} if confirm else {})


def test_it_needs_the_withdrawal_confirmed(app, world, as_persona):
    carol = as_persona("carol", "en")
    response = withdraw(carol, confirm=False)
    assert response.status_code == 422 and "Tick the box to confirm that you withdraw your consent." in text(response)
    assert consents_of(app, world, world.ids["carol"]) == [(1, "web", False)]
    with app.app_context(), use_practice(world.practices[ONE]):
        assert not restrictions.is_restricted(accounts.user_by_id(world.ids["carol"]))


def test_it_withdraws_restricts_at_once_and_asks_again(app, world, as_persona):
    carol = as_persona("carol", "en")
    response = withdraw(carol)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{P}/consent/")
    assert consents_of(app, world, world.ids["carol"]) == [(1, "web", True)]
    with app.app_context(), use_practice(world.practices[ONE]):
        restriction = restrictions.active_restriction(accounts.user_by_id(world.ids["carol"]))
        assert restriction.reason == RestrictionReason.CONSENT_WITHDRAWN
    [event] = events(app, world, "consent.withdrawn")
    assert event.subject_id == world.ids["carol"]
    # The gate asks again; the page says why the dossier is restricted.
    assert carol.get(f"{P}/me").status_code == 303
    page = text(carol.get(f"{P}/consent/"))
    assert "Your dossier is restricted" in page and "you withdrew your consent" in page
    assert 'name="agree"' in page
    assert withdraw(carol).status_code == 409  # nothing left to withdraw


def test_it_lifts_a_withdrawal_restriction_when_consent_is_given_again(app, world, as_persona):
    carol = as_persona("carol", "en")
    assert withdraw(carol).status_code == 303
    assert consent_now(carol).status_code == 303
    assert carol.get(f"{P}/me").status_code == 200
    with app.app_context(), use_practice(world.practices[ONE]):
        assert not restrictions.is_restricted(accounts.user_by_id(world.ids["carol"]))
    [lifted] = events(app, world, "restriction.lifted")
    assert lifted.subject_id == world.ids["carol"]
    assert "Your dossier is restricted" not in text(carol.get(f"{P}/me"))


def test_it_keeps_an_objection_restriction_when_consent_is_given_again(app, world, as_persona):
    admin = as_persona("admin", "en")
    carol_id = world.ids["carol"]
    assert admin.post(f"{P}/restrictions/clients/{carol_id}", {"reason": "objection"}).status_code == 303
    carol = as_persona("carol", "en")
    assert withdraw(carol).status_code == 303
    assert consent_now(carol).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        assert restrictions.active_restriction(accounts.user_by_id(carol_id)).reason == RestrictionReason.OBJECTION


def test_it_records_a_withdrawal_received_by_email(app, world, as_persona):
    admin = as_persona("admin", "en")
    carol_id = world.ids["carol"]
    response = admin.post(f"{P}/consent/people/{carol_id}/withdrawal", {"withdraw-how": "email"})
    assert response.status_code == 303
    assert consents_of(app, world, carol_id) == [(1, "web", True)]
    page = text(admin.get(f"{P}/consent/people/{carol_id}"))
    assert "by e-mail" in page and "Restricted since" in page and "the client withdrew their consent" in page
    assert as_persona("carol").get(f"{P}/me").status_code == 303
    refused = admin.post(f"{P}/consent/people/{carol_id}/withdrawal", {"withdraw-how": "email"})
    assert refused.status_code == 409 and "There is no consent to withdraw." in text(refused)


def test_it_opens_a_withdrawal_request_for_the_practice(app, world, as_persona):
    rights = pytest.importorskip("app.rights.services")
    if not hasattr(rights, "open_requests"):
        pytest.skip("the request workflow is not built yet")
    assert withdraw(as_persona("carol", "en")).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        kinds = [(r.kind, getattr(r, "channel", "web")) for r in rights.open_requests()]
    assert (rights.RequestKind.WITHDRAWAL, "web") in kinds


def test_it_lets_a_client_use_their_privacy_pages_without_consent(frank):
    page = text(frank.get(f"{P}/privacy/mine"))
    assert "Your consent" in page and "You have not given your consent" in page
    assert frank.get(f"{P}/privacy/").status_code == 200


def test_it_shows_consent_and_withdrawal_on_my_privacy(app, world, as_persona):
    carol = as_persona("carol", "en")
    page = text(carol.get(f"{P}/privacy/mine"))
    assert "You gave your consent to version 1" in page and "Withdraw my consent" in page
    assert "News and offers by e-mail" not in page  # that opt-in is for admins and coaches
    assert withdraw(carol).status_code == 303
    page = text(carol.get(f"{P}/privacy/mine"))
    assert "You have not given your consent (or you withdrew it)" in page and "Your dossier is restricted" in page
