"""Assessments: instruments imported and exported, given, answered page by page, scored, compared."""
from __future__ import annotations

import copy
import io
import json
import re
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.assessments import chart, services
from app.assessments import instruments as core
from app.assessments.models import AssessmentAssignment, PracticeInstrument
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.tenancy.context import use_practice
from tests.route_access.assessments import small_instrument

ONE = "praktijk-een"
BASE = f"/{ONE}/assessments"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def instrument_file(instrument_id: str = "werkstijl", items: int = 12, **changes) -> dict:
    """A valid instrument: two scales (sum and mean, one with bands), a reversed item, an English translation note."""
    doc = small_instrument(instrument_id, items)
    doc["response_scale"] = {"points": [1, 2, 3, 4, 5], "labels": {
        "nl": ["Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"],
        "en": ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]}}
    doc["title"] = {"nl": "Werkstijl", "en": "Working style"}
    for n, item in enumerate(doc["items"], start=1):
        item["text"] = {"nl": f"Uitspraak {n}", "en": f"Statement {n}"}
        item["scale"] = "focus" if n % 2 else "pace"
        item["keying"] = "-" if n == 2 else "+"
    doc["scales"] = [
        {"id": "focus", "name": {"nl": "Focus", "en": "Focus"}, "scoring": "sum",
         "bands": [{"min": 6, "max": 18, "description": {"nl": "Lager", "en": "Lower than most"}},
                   {"min": 19, "max": 30, "description": {"nl": "Hoger", "en": "Higher than most"}}]},
        {"id": "pace", "name": {"nl": "Tempo", "en": "Pace"}, "scoring": "mean"},
    ]
    doc["source"] = "Made for the tests of Koers"
    doc["licence"] = "CC0 1.0"
    doc["translation_note"] = {"nl": "Oorspronkelijke tekst.", "en": "Translated from the Dutch original by the test suite."}
    doc.update(changes)
    return doc


def upload(doc: dict | str | bytes) -> dict:
    raw = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    return {"file": (io.BytesIO(raw.encode() if isinstance(raw, str) else raw), "instrument.json")}


def import_file(as_persona, doc) -> object:
    admin = as_persona("admin", lang="en")
    return admin.post(f"{BASE}/instruments", upload(doc), content_type="multipart/form-data")


def stored(app, world, model=PracticeInstrument) -> list:
    with app.app_context(), use_practice(world.practices[ONE]):
        rows = list(db.session.scalars(select(model).order_by(model.id)))
        db.session.expunge_all()
        return rows


def assign(alice, world, instrument_id: str = "werkstijl", **data):
    return alice.post(f"{BASE}/clients/{world.ids['carol']}/assign", {"instrument_id": instrument_id, **data})


def newest_assignment(app, world) -> AssessmentAssignment:
    return stored(app, world, AssessmentAssignment)[-1]


def answer_all(carol, assignment_id: int, values: dict[str, int]) -> None:
    for item_id, value in values.items():
        response = carol.htmx("POST", f"{BASE}/{assignment_id}/pages/1", {f"a-{item_id}": str(value)})
        assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def given(app, world, as_persona):
    """The werkstijl instrument imported, given to carol by alice; (alice, carol, assignment id)."""
    assert import_file(as_persona, instrument_file()).status_code == 303
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    assert assign(alice, world).status_code == 303
    return alice, carol, newest_assignment(app, world).id


ANSWERS = {f"i{n}": (n % 5) + 1 for n in range(1, 13)}


def submitted(given) -> tuple:
    alice, carol, assignment_id = given
    for page, items in ((1, range(1, 11)), (2, range(11, 13))):
        data = {f"a-i{n}": str(ANSWERS[f"i{n}"]) for n in items}
        assert carol.post(f"{BASE}/{assignment_id}/pages/{page}", data).status_code == 303
    assert carol.post(f"{BASE}/{assignment_id}/submit").status_code == 303
    return alice, carol, assignment_id


# --- instruments ------------------------------------------------------------------------------


def test_it_imports_a_valid_instrument_and_lists_it(app, world, as_persona):
    assert import_file(as_persona, instrument_file()).status_code == 303
    rows = stored(app, world)
    assert [(r.instrument_id, r.version) for r in rows] == [("werkstijl", 1)]
    page = as_persona("alice", lang="en").get(f"{BASE}/instruments").get_data(as_text=True)
    assert "Working style" in page


def test_it_refuses_a_file_with_errors_listing_every_message_and_storing_nothing(app, world, as_persona):
    doc = instrument_file()
    del doc["source"]
    doc["items"][0]["keying"] = "sideways"
    doc["items"][1]["scale"] = "nowhere"
    with pytest.raises(core.InstrumentError) as refused:
        core.parse_instrument(copy.deepcopy(doc))
    assert len(refused.value.errors) >= 2
    response = import_file(as_persona, doc)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in refused.value.errors:
        assert str(escape(message)) in page
    assert import_file(as_persona, b"{not json").status_code == 422
    assert stored(app, world) == []


def test_it_makes_a_new_version_on_reimport_and_old_results_keep_theirs(app, world, as_persona, given):
    alice, _carol, first_id = submitted(given)
    changed = instrument_file(version=7, title={"nl": "Werkstijl nieuw", "en": "Working style, revised"})
    assert import_file(as_persona, changed).status_code == 303
    rows = stored(app, world)
    assert [(r.instrument_id, r.version) for r in rows] == [("werkstijl", 1), ("werkstijl", 2)]
    assert json.loads(rows[1].definition)["version"] == 2
    # The old result still renders with its own version and title.
    old = alice.get(f"{BASE}/{first_id}").get_data(as_text=True)
    assert "Version 1" in old and "Working style" in old and "Working style, revised" not in old
    # A new assignment gets the newest version.
    assert assign(alice, world).status_code == 303
    assert newest_assignment(app, world).instrument_version == 2


def test_it_exports_an_instrument_that_imports_again(app, world, as_persona, given):
    admin = as_persona("admin", lang="en")
    response = admin.get(f"{BASE}/instruments/werkstijl/export?version=1")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert core.parse_instrument(response.data) == core.parse_instrument(json.dumps(instrument_file()))
    assert import_file(as_persona, response.data).status_code == 303
    assert [r.version for r in stored(app, world)] == [1, 2]
    assert admin.get(f"{BASE}/instruments/werkstijl/export?version=9").status_code == 404


def test_it_exports_a_builtin_instrument(as_persona):
    shipped = services.builtins()
    if not shipped:
        pytest.skip("no built-in instruments yet")
    response = as_persona("alice", lang="en").get(f"{BASE}/instruments/{shipped[0].id}/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert core.parse_instrument(response.data) == shipped[0]


# --- giving and answering ---------------------------------------------------------------------


def test_it_gives_an_instrument_and_notifies_the_client(app, world, given):
    _alice, _carol, assignment_id = given
    with app.app_context(), use_practice(world.practices[ONE]):
        notices = list(db.session.scalars(select(Notification).where(Notification.user_id == world.ids["carol"])))
        assert [(n.kind, n.url) for n in notices] == [
            (NotificationKind.EXERCISE_ASSIGNED, f"/{ONE}/assessments/{assignment_id}")
        ]


def test_it_refuses_giving_to_someone_elses_client(world, as_persona, given):
    bob = as_persona("bob", lang="en")
    assert bob.post(f"{BASE}/clients/{world.ids['carol']}/assign", {"instrument_id": "werkstijl"}).status_code == 404


def test_it_saves_each_answer_as_chosen_and_resumes(app, world, given):
    _alice, carol, assignment_id = given
    start = carol.get(f"{BASE}/{assignment_id}")
    assert start.status_code == 303 and start.headers["Location"].endswith(f"/{assignment_id}/pages/1")
    page = carol.get(f"{BASE}/{assignment_id}/pages/1").get_data(as_text=True)
    assert page.count("<fieldset") == 10 and "<legend>" in page and 'hx-post=' in page and "Strongly agree" in page
    saved = carol.htmx("POST", f"{BASE}/{assignment_id}/pages/1", {"a-i1": "4"})
    assert saved.status_code == 200 and "Saved" in saved.get_data(as_text=True)
    assert 'id="state-1"' in saved.get_data(as_text=True)
    assert newest_assignment(app, world).answers == {"i1": 4}
    # Without JavaScript: the page's button saves all of its answers and goes on.
    rest = {f"a-i{n}": "3" for n in range(2, 11)}
    moved = carol.post(f"{BASE}/{assignment_id}/pages/1", {**rest, "action": "next"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/pages/2")
    # Stop and come back: the first page still unanswered is where the client resumes.
    resume = carol.get(f"{BASE}/{assignment_id}")
    assert resume.headers["Location"].endswith("/pages/2")
    again = carol.get(f"{BASE}/{assignment_id}/pages/1").get_data(as_text=True)
    assert re.search(r'name="a-i1" value="4" checked', again)


def test_it_submits_only_when_every_item_is_answered(app, world, given):
    _alice, carol, assignment_id = given
    answer_all(carol, assignment_id, {f"i{n}": 2 for n in range(1, 11)})
    response = carol.post(f"{BASE}/{assignment_id}/submit")
    assert response.status_code == 422
    assert "Not answered yet: 11, 12." in response.get_data(as_text=True)
    assert newest_assignment(app, world).status == "open"


def test_it_refuses_a_second_submit(app, world, given):
    _alice, carol, assignment_id = submitted(given)
    before = newest_assignment(app, world)
    response = carol.post(f"{BASE}/{assignment_id}/submit")
    assert response.status_code == 409
    assert "already submitted" in response.get_data(as_text=True)
    after = newest_assignment(app, world)
    assert (after.scores, after.submitted_at) == (before.scores, before.submitted_at)
    # Answers are locked as well.
    assert carol.htmx("POST", f"{BASE}/{assignment_id}/pages/1", {"a-i1": "1"}).status_code == 409


@pytest.mark.parametrize(("data", "status"), [
    ({"a-i1": "6"}, 422),
    ({"a-i1": "0"}, 422),
    ({"a-i1": "three"}, 422),
    ({"a-i1": "2", "a-i2": "99"}, 422),
    ({"a-nope": "2"}, 400),
    ({"a-i1": "2", "scores": "5"}, 400),
])
def test_it_refuses_answers_that_do_not_fit_and_saves_nothing(app, world, given, data, status):
    _alice, carol, assignment_id = given
    plain = carol.post(f"{BASE}/{assignment_id}/pages/1", data)
    assert plain.status_code == status
    partial = carol.htmx("POST", f"{BASE}/{assignment_id}/pages/1", data)
    assert partial.status_code == status
    if status == 422:
        assert "choose one of the answers 1 to 5" in partial.get_data(as_text=True)
    assert newest_assignment(app, world).answers == {}


def test_it_lets_only_the_client_answer(given):
    alice, _carol, assignment_id = given
    assert alice.post(f"{BASE}/{assignment_id}/pages/1", {"a-i1": "2"}).status_code == 403
    assert alice.post(f"{BASE}/{assignment_id}/submit").status_code == 403


# --- results ----------------------------------------------------------------------------------


def test_it_stores_scores_as_score_computes_them_encrypted(app, world, instance, given):
    alice, _carol, assignment_id = submitted(given)
    marker = f"note-{secrets.token_hex(8)}"
    assert alice.post(f"{BASE}/{assignment_id}/note", {"note": marker}).status_code == 303
    assignment = newest_assignment(app, world)
    expected = core.score(core.parse_instrument(json.dumps(instrument_file())), ANSWERS)
    assert assignment.scores == pytest.approx(expected)
    assert assignment.answers == ANSWERS and assignment.instrument_version == 1
    path = instance / "tenants" / f"{ONE}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        raw_row = conn.execute("SELECT answers, scores, note FROM assessment_assignments").fetchone()
    for value in raw_row:
        assert bytes(value).startswith(b"\x01") and b"focus" not in bytes(value) and b"i1" not in bytes(value)
    raw = path.read_bytes() + (Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b"")
    assert marker.encode() not in raw


def test_it_shows_the_result_with_a_chart_numbers_and_no_decision(given):
    alice, carol, assignment_id = submitted(given)
    expected = core.score(core.parse_instrument(json.dumps(instrument_file())), ANSWERS)
    for viewer in (carol, alice):
        response = viewer.get(f"{BASE}/{assignment_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<svg" in page and 'role="img"' in page and "<title" in page and "<desc" in page
        assert " style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
        assert f">{chart.format_score(expected['focus'])}</td>" in page
        assert f">{chart.format_score(expected['pace'])}</td>" in page
        assert "Koers takes no decision" in page
        assert "Made for the tests of Koers" in page and "CC0 1.0" in page
        assert "Translated from the Dutch original" in page
    band = "Lower than most" if expected["focus"] <= 18 else "Higher than most"
    assert band in page


def test_it_compares_two_results_of_the_same_instrument(app, world, as_persona, given):
    alice, carol, first_id = submitted(given)
    assert assign(alice, world).status_code == 303
    second_id = newest_assignment(app, world).id
    answer_all(carol, second_id, {f"i{n}": 5 for n in range(1, 11)})
    carol.post(f"{BASE}/{second_id}/pages/2", {"a-i11": "5", "a-i12": "5"})
    assert carol.post(f"{BASE}/{second_id}/submit").status_code == 303
    assert f"/compare/{first_id}/{second_id}" in carol.get(f"{BASE}/{second_id}").get_data(as_text=True)
    for viewer in (carol, alice):
        response = viewer.get(f"{BASE}/compare/{first_id}/{second_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<svg" in page and page.count("<rect") == 4 and "<td>30</td>" in page
    assert as_persona("bob", lang="en").get(f"{BASE}/compare/{first_id}/{second_id}").status_code == 404
    # An open one cannot be compared.
    assert assign(alice, world).status_code == 303
    open_id = newest_assignment(app, world).id
    assert carol.get(f"{BASE}/compare/{first_id}/{open_id}").status_code == 404


def test_the_client_reads_the_coachs_note_and_html_stays_inert(as_persona, given):
    alice, carol, assignment_id = submitted(given)
    assert alice.post(f"{BASE}/{assignment_id}/note", {"note": f"Talk about focus {XSS}"}).status_code == 303
    page = carol.get(f"{BASE}/{assignment_id}").get_data(as_text=True)
    assert "Talk about focus" in page and XSS not in page and "&lt;script&gt;" in page
    assert carol.post(f"{BASE}/{assignment_id}/note", {"note": "mine"}).status_code == 403
    assert as_persona("bob", lang="en").post(f"{BASE}/{assignment_id}/note", {"note": "x"}).status_code == 404


def test_it_refuses_a_note_that_is_too_long_or_too_early(app, world, given):
    alice, _carol, assignment_id = given
    assert alice.post(f"{BASE}/{assignment_id}/note", {"note": "early"}).status_code == 409
    submitted(given)
    response = alice.post(f"{BASE}/{assignment_id}/note", {"note": "x" * 10_001})
    assert response.status_code == 422 and "Keep the note under" in response.get_data(as_text=True)
    assert newest_assignment(app, world).note is None


def test_texts_of_an_imported_instrument_stay_inert(app, world, as_persona):
    doc = instrument_file(title={"nl": XSS, "en": XSS})
    doc["items"][0]["text"] = {"nl": XSS, "en": XSS}
    doc["source"] = XSS
    assert import_file(as_persona, doc).status_code == 303
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    assert assign(alice, world).status_code == 303
    assignment_id = newest_assignment(app, world).id
    pages = [
        as_persona("admin", lang="en").get(f"{BASE}/instruments"),
        alice.get(f"{BASE}/clients/{world.ids['carol']}/assign"),
        carol.get(f"{BASE}/"),
        carol.get(f"{BASE}/{assignment_id}/pages/1"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert XSS not in body and "<img src=x" not in body


def test_access_to_a_result(world, as_persona, visitor, given):
    _alice, _carol, assignment_id = submitted(given)
    url = f"{BASE}/{assignment_id}"
    assert as_persona("bob", lang="en").get(url).status_code == 404
    assert as_persona("dave", lang="en").get(url).status_code == 404
    assert as_persona("admin", lang="en").get(url).status_code == 403
    assert as_persona("eve", lang="en").get(url).status_code == 302
    assert visitor.get(url).status_code == 302
    assert as_persona("dave", lang="en").get(f"{BASE}/{assignment_id}/pages/1").status_code == 404


def test_the_dossier_section_lists_and_offers_instruments(world, given):
    alice, _carol, assignment_id = given
    response = alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/assessments")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"/assessments/{assignment_id}" in page and "Working style" in page and 'name="instrument_id"' in page


def test_the_ipip_big_five_can_be_given_when_shipped(app, world, as_persona):
    shipped = {i.id for i in services.builtins()}
    if "ipip-bigfive-50" not in shipped:
        pytest.skip("the IPIP Big-Five 50 is not shipped yet")
    alice, carol = as_persona("alice", lang="en"), as_persona("carol", lang="en")
    assert assign(alice, world, "ipip-bigfive-50").status_code == 303
    assignment = newest_assignment(app, world)
    assert (assignment.source, assignment.instrument_id) == ("builtin", "ipip-bigfive-50")
    page = carol.get(f"{BASE}/{assignment.id}/pages/5").get_data(as_text=True)
    assert page.count("<fieldset") == 10
    ipip = next(i for i in services.builtins() if i.id == "ipip-bigfive-50")
    answers = {item.id: (n % 5) + 1 for n, item in enumerate(ipip.items)}
    for page_number in range(1, 6):
        chunk = ipip.items[(page_number - 1) * 10:page_number * 10]
        data = {f"a-{item.id}": str(answers[item.id]) for item in chunk}
        assert carol.post(f"{BASE}/{assignment.id}/pages/{page_number}", data).status_code == 303
    assert carol.post(f"{BASE}/{assignment.id}/submit").status_code == 303
    stored_scores = newest_assignment(app, world).scores
    assert stored_scores == pytest.approx(core.score(ipip, answers))
    result = alice.get(f"{BASE}/{assignment.id}").get_data(as_text=True)
    assert "<svg" in result and "ipip.ori.org" in result
    for scale in ipip.scales:
        band = next(b for b in scale.bands if b.min <= stored_scores[scale.id] <= b.max)
        assert str(escape(band.description["en"])) in result
