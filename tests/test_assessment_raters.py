"""360-degree feedback: inviting raters, their single-use link, the three-rater threshold, closing the round."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import closing
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.accounts import services as accounts
from app.assessments import instruments as core
from app.assessments import services
from app.assessments.models import AssessmentRater
from app.audit.models import AuditEvent
from app.extensions import db
from app.tenancy.context import use_practice
from app.timeutil import utcnow
from tests.conftest import Visitor

ONE = "praktijk-een"
BASE = f"/{ONE}/assessments"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
INSTRUMENT = "competency-self-assessment"


def _instrument():
    return services.instrument_version(INSTRUMENT)[0]


def item_ids(app) -> list[tuple[str, str]]:
    """(item id, scale id) of every item of the built-in competency instrument."""
    return [(item.id, item.scale) for item in core.load_builtin(INSTRUMENT).items]


def competency(app, world, self_answer: int | None = 4) -> int:
    """A competency questionnaire given to carol by alice; carol answers every item with self_answer and submits."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        assignment = services.assign(alice, carol, INSTRUMENT)
        if self_answer is not None:
            form = {f"a-{item.id}": str(self_answer) for item in _instrument().items}
            services.save_answers(carol, assignment, form)
            services.submit(carol, assignment)
        db.session.commit()
        return assignment.id


def raters_in_db(app, world) -> list[AssessmentRater]:
    with app.app_context(), use_practice(world.practices[ONE]):
        rows = list(db.session.scalars(select(AssessmentRater).order_by(AssessmentRater.id)))
        for row in rows:
            _ = (row.name, row.email, row.answers_json)  # load before leaving the session
        db.session.expunge_all()
        return rows


def audit_actions(app, world) -> list[tuple[str, str | None]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [(e.action, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def visitor(app) -> Visitor:
    """An anonymous rater whose browser asks for English (the texts below are the English ones)."""
    rater = Visitor(app.test_client())
    rater.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return rater


def invite(visitor: Visitor, assignment_id: int, name: str, email: str, relation: str = "colleague"):
    return visitor.post(f"{BASE}/{assignment_id}/raters", {"name": name, "email": email, "relation": relation})


def path_of(link: str) -> str:
    return urlsplit(link).path


def answers_form(app, value_of) -> dict[str, str]:
    """Every item answered; value_of(item id, scale id) gives the point."""
    return {f"a-{item_id}": str(value_of(item_id, scale)) for item_id, scale in item_ids(app)}


@pytest.fixture
def invited(app, world, as_persona, mailbox):
    """A submitted competency questionnaire with one rater invited by alice; returns (assignment id, link path)."""
    assignment_id = competency(app, world)
    alice = as_persona("alice", lang="en")
    assert invite(alice, assignment_id, "Ria Rater", "ria@example.test", "manager").status_code == 303
    return assignment_id, path_of(mailbox.last_link("ria@example.test"))


# --- inviting ------------------------------------------------------------------------------------


def test_an_invitation_mails_a_single_use_link_naming_the_practice_and_no_answers(app, world, as_persona, mailbox):
    assignment_id = competency(app, world)
    alice = as_persona("alice", lang="en")
    response = invite(alice, assignment_id, "Ria Rater", "Ria@Example.test", "manager")
    assert response.status_code == 303
    [message] = mailbox.to("ria@example.test")
    body = message.get_payload(decode=True).decode()
    assert "Praktijk Een" in message["Subject"] and "Praktijk Een" in body
    assert "Someone you work with asked for your feedback" in body
    link = mailbox.last_link("ria@example.test")
    assert link.startswith(f"http://localhost/{ONE}/assessments/rate/")
    # No client name, no answers, no scores, no scale names.
    for absent in ("Carol", "Test", "Communication", "4.0", "Alice"):
        assert absent not in body
    secret = path_of(link).rsplit("/", 1)[1]
    [rater] = raters_in_db(app, world)
    assert rater.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert rater.email == "ria@example.test" and rater.name == "Ria Rater" and rater.relation == "manager"
    assert timedelta(days=13, hours=23) < rater.expires_at - rater.created_at <= timedelta(days=14)
    invited_events = [json.loads(d) for a, d in audit_actions(app, world) if a == "assessment.rater_invited"]
    assert invited_events == [{"assignment_id": assignment_id}]  # ids only
    # The secret itself is stored nowhere, and the address only encrypted.
    path = f"{app.config['INSTANCE_PATH']}/tenants/{ONE}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        dump = "\n".join(conn.iterdump())
    assert secret not in dump and "ria@example.test" not in dump


def test_the_client_invites_for_her_own_questionnaire_and_the_link_ttl_follows_the_setting(app, world, as_persona,
                                                                                         mailbox):
    app.config["RATER_LINK_TTL_DAYS"] = 3
    assignment_id = competency(app, world, self_answer=None)  # open: raters can already be invited
    carol = as_persona("carol", lang="en")
    assert invite(carol, assignment_id, "Colin", "colin@example.test").status_code == 303
    assert len(mailbox.to("colin@example.test")) == 1
    [rater] = raters_in_db(app, world)
    assert rater.expires_at - rater.created_at == timedelta(days=3)


def test_invalid_invitations_are_refused_and_send_nothing(app, world, as_persona, mailbox):
    assignment_id = competency(app, world)
    alice = as_persona("alice", lang="en")
    response = invite(alice, assignment_id, "", "nobody@example", "boss")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the name" in page and "valid e-mail address" in page and "Choose how this person knows" in page
    assert raters_in_db(app, world) == [] and mailbox.to("sneaky@example.test") == []


# --- the rater's link ----------------------------------------------------------------------------


def test_a_rater_answers_without_an_account_and_the_link_opens_nothing_else(app, world, invited, visitor):
    assignment_id, link = invited
    page = visitor.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Praktijk Een" in html and "never your answers on their own" in html
    assert "deleted when the feedback round closes" in html
    assert html.count("<fieldset") == len(item_ids(app)) and html.count("<legend>") == len(item_ids(app))
    assert 'name="csrf_token"' in html
    assert "Carol" not in html  # the form does not name the person rated
    response = visitor.post(link, answers_form(app, lambda item, scale: 3))
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    [rater] = raters_in_db(app, world)
    assert rater.submitted_at is not None and rater.used_at is not None
    assert rater.answers == {item: 3 for item, _scale in item_ids(app)}
    # No session was created: the practice's pages still need signing in.
    for url in (f"{BASE}/", f"{BASE}/{assignment_id}", f"{BASE}/{assignment_id}/raters", f"/{ONE}/"):
        assert visitor.get(url).status_code == 302, url


def test_a_used_link_is_refused_with_410_and_changes_nothing(app, world, invited, visitor):
    _assignment_id, link = invited
    assert visitor.post(link, answers_form(app, lambda item, scale: 3)).status_code == 200
    again = visitor.get(link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    resent = visitor.post(link, answers_form(app, lambda item, scale: 1))
    assert resent.status_code == 410
    [rater] = raters_in_db(app, world)
    assert set(rater.answers.values()) == {3}
    refusals = [json.loads(d) for a, d in audit_actions(app, world) if a == "assessment.rater_link_refused"]
    assert refusals == [{"reason": "used"}, {"reason": "used"}]


def test_an_expired_link_is_refused_with_410(app, world, invited, visitor):
    _assignment_id, link = invited
    with app.app_context(), use_practice(world.practices[ONE]):
        rater = db.session.scalar(select(AssessmentRater))
        rater.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = visitor.get(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert visitor.post(link, answers_form(app, lambda item, scale: 3)).status_code == 410
    [rater] = raters_in_db(app, world)
    assert rater.answers_json is None and rater.submitted_at is None


def test_an_unknown_link_is_not_found(visitor):
    assert visitor.get(f"{BASE}/rate/not-a-token").status_code == 404


@pytest.mark.parametrize("tamper", ["out_of_range", "not_a_number", "unknown_item", "missing_item"])
def test_tampered_or_out_of_range_answers_are_refused_with_422_and_nothing_is_saved(app, world, invited, visitor,
                                                                                     tamper):
    _assignment_id, link = invited
    form = answers_form(app, lambda item, scale: 4)
    first = next(iter(form))
    if tamper == "out_of_range":
        form[first] = "6"
    elif tamper == "not_a_number":
        form[first] = "<b>5</b>"
    elif tamper == "unknown_item":
        form["a-not-an-item"] = "3"
    else:
        del form[first]
    response = visitor.post(link, form)
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    [rater] = raters_in_db(app, world)
    assert rater.answers_json is None and rater.submitted_at is None and rater.used_at is None
    # The link still works for a correct form.
    assert visitor.post(link, answers_form(app, lambda item, scale: 4)).status_code == 200


def test_the_rater_form_needs_its_csrf_token(app, world, invited, visitor):
    _assignment_id, link = invited
    response = visitor.client.post(link, data=answers_form(app, lambda item, scale: 3))
    assert response.status_code == 400
    [rater] = raters_in_db(app, world)
    assert rater.submitted_at is None


# --- the feedback: three raters or nothing, never per rater ---------------------------------------


def _rows(html: str) -> dict[str, list[str]]:
    """The feedback table: competency name -> its cells."""
    table = re.search(r'<table class="scores" id="feedback-table">(.*?)</table>', html, re.DOTALL).group(1)
    rows = {}
    for name, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.DOTALL):
        rows[name] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", cells, re.DOTALL)]
    return rows


def test_others_are_shown_only_from_three_raters_as_an_average_never_per_rater(app, world, as_persona, mailbox):
    assignment_id = competency(app, world, self_answer=4)
    alice = as_persona("alice", lang="en")
    # By hand: rater 1 answers 2 everywhere, rater 2 answers 5 everywhere, rater 3 answers 5 on
    # communication and 1 elsewhere. All scales are the mean of their (plus-keyed) items, so:
    # communication (2 + 5 + 5) / 3 = 4; every other competency (2 + 5 + 1) / 3 = 2.67.
    patterns = [
        lambda item, scale: 2,
        lambda item, scale: 5,
        lambda item, scale: 5 if scale == "communication" else 1,
    ]
    links = []
    for n in range(3):
        assert invite(alice, assignment_id, f"Rater {n}", f"rater{n}@example.test").status_code == 303
        links.append(path_of(mailbox.last_link(f"rater{n}@example.test")))
    for n in range(2):
        assert Visitor(app.test_client()).post(links[n], answers_form(app, patterns[n])).status_code == 200

    page = alice.get(f"{BASE}/{assignment_id}/raters").get_data(as_text=True)
    assert "Shown when at least three people have answered (2 so far)." in page
    rows = _rows(page)
    assert len(rows) == 7 and all(cells == ["4", "–"] for cells in rows.values())
    assert "bar-chart" not in page

    assert Visitor(app.test_client()).post(links[2], answers_form(app, patterns[2])).status_code == 200
    for persona in ("alice", "carol"):
        page = as_persona(persona, lang="en").get(f"{BASE}/{assignment_id}/raters").get_data(as_text=True)
        assert "so far" not in page and "3 people answered." in page
        rows = _rows(page)
        assert rows["Communication"] == ["4", "4"]
        others = {name: cells for name, cells in rows.items() if name != "Communication"}
        assert len(others) == 6 and all(cells == ["4", f"{8 / 3:.2f}"] for cells in others.values())
        # Never per rater: only two numbers per competency, and no rater's own scale score anywhere in the table.
        assert all(len(cells) == 2 for cells in rows.values())
        table = re.search(r'id="feedback-table">(.*?)</table>', page, re.DOTALL).group(1)
        assert ">2<" not in table and ">5<" not in table and ">1<" not in table
        assert 'class="bar-chart"' in page
    actions = [a for a, _d in audit_actions(app, world)]
    assert actions.count("assessment.rater_answered") == 3 and "assessment.rater_answers_read" in actions


def test_the_result_page_links_to_the_feedback_for_competency_questionnaires_only(app, world, as_persona):
    assignment_id = competency(app, world)
    page = as_persona("carol", lang="en").get(f"{BASE}/{assignment_id}").get_data(as_text=True)
    assert f"{BASE}/{assignment_id}/raters" in page


# --- closing the round ------------------------------------------------------------------------------


def test_closing_the_round_deletes_names_and_addresses_and_stops_unused_links(app, world, as_persona, mailbox, instance):
    assignment_id = competency(app, world)
    carol = as_persona("carol", lang="en")
    for n in range(2):
        assert invite(carol, assignment_id, f"Person {n}", f"person{n}@example.test").status_code == 303
    used = path_of(mailbox.last_link("person0@example.test"))
    unused = path_of(mailbox.last_link("person1@example.test"))
    assert Visitor(app.test_client()).post(used, answers_form(app, lambda item, scale: 3)).status_code == 200

    assert carol.post(f"{BASE}/{assignment_id}/raters/close").status_code == 303
    path = instance / "tenants" / f"{ONE}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name, email, answers, closed_at FROM assessment_raters ORDER BY id").fetchall()
    assert len(rows) == 2
    assert all(name is None and email is None and closed for name, email, _answers, closed in rows)
    assert rows[0][2] is not None  # the answers given stay, encrypted, for the averages
    assert "assessment.raters_closed" in [a for a, _d in audit_actions(app, world)]
    late = Visitor(app.test_client()).get(unused, headers={"Accept-Language": "en"})
    assert late.status_code == 410 and "closed" in late.get_data(as_text=True)
    page = carol.get(f"{BASE}/{assignment_id}/raters").get_data(as_text=True)
    assert "Person 0" not in page and "round is closed" in page
    assert invite(carol, assignment_id, "Late", "late@example.test").status_code == 409
    assert mailbox.to("late@example.test") == []


# --- access and hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [
    ("alice", 200), ("carol", 200), ("bob", 404), ("dave", 404), ("admin", 403), ("eve", 302),
])
def test_only_the_client_and_her_coach_manage_raters(app, world, as_persona, mailbox, persona, status):
    assignment_id = competency(app, world)
    visitor = as_persona(persona, lang="en")
    assert visitor.get(f"{BASE}/{assignment_id}/raters").status_code == status
    if status != 200:
        assert invite(visitor, assignment_id, "Sneaky", "sneaky@example.test").status_code == status
        assert visitor.post(f"{BASE}/{assignment_id}/raters/close").status_code == status
        assert raters_in_db(app, world) == [] and mailbox.to("sneaky@example.test") == []


def test_anonymous_visitors_are_sent_to_sign_in(app, world, visitor):
    assignment_id = competency(app, world)
    assert visitor.get(f"{BASE}/{assignment_id}/raters").status_code == 302
    assert invite(visitor, assignment_id, "X", "x@example.test").status_code == 302


def test_raters_are_only_for_competency_questionnaires(app, world, as_persona):
    from tests.route_access.assessments import small_instrument

    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        services.import_instrument(alice, json.dumps(small_instrument("other-kind")).encode())
        assignment_id = services.assign(alice, carol, "other-kind").id
        db.session.commit()
    alice = as_persona("alice", lang="en")
    assert alice.get(f"{BASE}/{assignment_id}/raters").status_code == 404
    assert invite(alice, assignment_id, "Ria", "ria@example.test").status_code == 404


def test_a_hostile_rater_name_is_inert(app, world, as_persona, mailbox):
    assignment_id = competency(app, world)
    carol = as_persona("carol", lang="en")
    assert invite(carol, assignment_id, XSS, "xss@example.test").status_code == 303
    page = carol.get(f"{BASE}/{assignment_id}/raters").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert str(escape(XSS)) in page
    body = mailbox.to("xss@example.test")[0].get_payload(decode=True).decode()
    assert "<script>" not in body
