"""The demo practice's content: after `flask demo` every persona sees the whole product."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from app.accounts import services as accounts
from app.demo import content
from app.demo.services import reset_demo
from app.documents import filetypes
from app.exercises import services as exercises
from app.exercises.models import AssignmentStatus
from app.extensions import db
from app.journal import services as journal
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from tests.conftest import Visitor

PASSWORD = "lantern-orbit-copper-42"
SANNES_CLIENTS = ("Daan de Boer", "Fatima El Amrani", "Lotte van Dijk", "Jeroen Smit")
PIETERS_CLIENTS = ("Noor Hendriks", "Bram Mulder")


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def demo_app(bare_app: Flask, mailbox) -> Flask:
    """The app with a freshly made demo practice (its SMTP server is the test mailbox)."""
    result = run(bare_app, "demo", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    bare_app.config["DEMO_OUTPUT"] = result.output
    return bare_app


def ids(app: Flask) -> dict[str, int]:
    """User ids of the demo people, by the part of their e-mail before the @."""
    with app.app_context(), use_practice(tenancy.find_practice("demo")):
        return {u.email.split("@")[0]: u.id for u in accounts.list_users()}


def signed_in(app: Flask, email: str) -> Visitor:
    visitor = Visitor(app.test_client())
    response = visitor.post("/demo/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 303, email
    return visitor


def page(visitor: Visitor, url: str) -> str:
    response = visitor.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def links(html: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, html))


# --- making it ----------------------------------------------------------------------------------


def test_it_prints_the_three_personas_and_says_there_are_more(demo_app):
    output = demo_app.config["DEMO_OUTPUT"]
    assert "password for all three: " + PASSWORD in output
    assert "and 6 more demo accounts" in output
    # Only the three documented accounts and the console's demo operator are listed by address.
    assert set(re.findall(r"\S+@demo\.test", output)) == {
        "admin@demo.test", "coach@demo.test", "client@demo.test", "operator@demo.test",
    }


def test_it_makes_a_demo_operator_who_signs_in_to_the_console_with_the_one_password(demo_app):
    visitor = Visitor(demo_app.test_client())
    assert "/platform/login" in demo_app.config["DEMO_OUTPUT"]
    response = visitor.post("/platform/login", {"email": "operator@demo.test", "password": PASSWORD})
    assert response.status_code == 303
    assert "Demopraktijk Koers" in visitor.get("/platform/").get_data(as_text=True)


def test_every_demo_account_signs_in_with_the_one_password(demo_app):
    landing = {"coach": "/demo/coach", "admin": "/demo/admin/people/"}
    for name in ids(demo_app):
        email = f"{name}@demo.test"
        response = Visitor(demo_app.test_client()).post("/demo/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 303, email
        expected = landing.get(name, "/demo/coach" if name == "pieter" else "/demo/me")
        assert response.headers["Location"].endswith(expected), email
    assert len(ids(demo_app)) == 9


def test_making_the_demo_sends_no_mail_but_leaves_e_mail_notifications_on(demo_app, mailbox, instance):
    assert mailbox.messages == []
    assert not any((instance / "mail").glob("*.eml"))
    # Afterwards the demo behaves like a real practice: a new message is mailed as usual.
    sanne = signed_in(demo_app, "coach@demo.test")
    response = sanne.post(f"/demo/messages/{ids(demo_app)['client']}", {"body": "Tot dinsdag!"})
    assert response.status_code == 303
    assert [m["To"] for m in mailbox.messages] == ["client@demo.test"]
    assert "Tot dinsdag" not in mailbox.messages[0].get_payload(decode=True).decode()


def test_the_demo_audit_chain_verifies(demo_app):
    result = run(demo_app, "audit", "verify", "demo")

    assert result.exit_code == 0, result.output
    events = int(re.search(r"\((\d+) events\)", result.output).group(1))
    assert events > 100  # everything was made through the audited services


def test_journal_text_is_not_in_the_raw_practice_file(demo_app, instance):
    raw = b"".join(
        path.read_bytes() for path in (instance / "tenants").glob("demo.sqlite*") if path.is_file()
    )
    assert content.JOURNAL_MARKER.encode() not in raw
    assert b"Eigen aantekening" not in raw  # a private session report
    assert b"Lindelaan 12" not in raw  # Daan's address
    # Practice content (exercise titles) is not personal data: stored as it is, so the search works.
    assert b"Jouw waarden en drijfveren" in raw


def test_the_sample_document_is_a_pdf_the_upload_check_accepts():
    data = content.sample_pdf()

    assert filetypes.detect(data) == filetypes.PDF
    assert data.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at each object.
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    assert data[start:].startswith(b"xref")
    for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", data), start=1):
        assert data[int(offset):].startswith(b"%d 0 obj" % number)


def test_if_missing_leaves_the_demo_content_alone(demo_app):
    with demo_app.app_context(), use_practice(tenancy.find_practice("demo")):
        before = len(journal.entries_of(accounts.user_by_email("client@demo.test")))
        daan = accounts.user_by_email("client@demo.test")
        journal.create_entry(daan, {"entry_date": daan.created_at.date(), "mood": None, "text": "Van een bezoeker"})
        db.session.commit()

    result = run(demo_app, "demo", "--if-missing", "--password", "harbour-violet-engine-9")

    assert result.exit_code == 0, result.output
    assert "exists" in result.output
    with demo_app.app_context(), use_practice(tenancy.find_practice("demo")):
        assert len(journal.entries_of(accounts.user_by_email("client@demo.test"))) == before + 1
    signed_in(demo_app, "lotte@demo.test")


def test_it_can_be_reset_twice_in_one_app_context(bare_app):
    with bare_app.app_context():
        reset_demo(PASSWORD)
        reset_demo(PASSWORD)
        with use_practice(tenancy.find_practice("demo")):
            assert len(accounts.list_users()) == 9


def test_a_failure_halfway_leaves_no_demo(bare_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(content, "add_lotte", broken)
    with bare_app.app_context():
        with pytest.raises(RuntimeError):
            reset_demo(PASSWORD)
        assert tenancy.find_practice("demo") is None


# --- what each persona sees ----------------------------------------------------------------------


def test_the_coach_sees_her_clients_in_their_stages(demo_app):
    sanne = signed_in(demo_app, "coach@demo.test")

    html = page(sanne, "/demo/clients/")
    for name in SANNES_CLIENTS:
        assert name in html
    for name in PIETERS_CLIENTS:
        assert name not in html
    with demo_app.app_context(), use_practice(tenancy.find_practice("demo")):
        states = {}
        for email in ("client", "fatima", "lotte", "jeroen"):
            client = accounts.user_by_email(f"{email}@demo.test")
            states[email] = sorted(a.status for a in exercises.assignments_for(client))
    assert AssignmentStatus.REVIEWED in states["client"] and AssignmentStatus.OPEN in states["client"]
    assert states["fatima"] == [AssignmentStatus.OPEN] * 4  # intake: nothing done yet
    assert AssignmentStatus.SUBMITTED in states["lotte"]  # waiting for review
    assert states["jeroen"] == [AssignmentStatus.REVIEWED] * 4  # finished


def test_the_coach_dashboard_lists_her_clients(demo_app):
    html = page(signed_in(demo_app, "coach@demo.test"), "/demo/coach")

    for name in SANNES_CLIENTS:
        assert name in html


def test_the_second_coach_sees_his_own_clients(demo_app):
    html = page(signed_in(demo_app, "pieter@demo.test"), "/demo/clients/")

    for name in PIETERS_CLIENTS:
        assert name in html
    assert "Daan de Boer" not in html


def test_the_dossier_of_the_demo_client_has_every_section_filled(demo_app):
    sanne = signed_in(demo_app, "coach@demo.test")
    daan = ids(demo_app)["client"]
    section = lambda name: page(sanne, f"/demo/clients/{daan}/sections/{name}")

    assert "Lindelaan 12" in section("details")
    assert "Loopbaanoriëntatie" in section("programmes")
    work = section("exercises")
    assert "Waar sta je nu?" in work and "Jouw waarden en drijfveren" in work and "Weekreflectie" in work
    reports = links(section("reports"), r"/demo/reports/(\d+)\"")
    assert len(reports) == 3  # the coach reads private reports too
    assert "cv-daan-de-boer.pdf" in section("documents")
    diary = section("journal")
    assert "contact met chauffeurs" in diary  # shared
    assert content.JOURNAL_MARKER not in diary and "Spannend om hardop" not in diary  # private
    goals = section("goals")
    assert "Een duidelijke beroepsrichting kiezen" in goals and "Mijn cv bijwerken" in goals
    assert "dinsdag om 10:00" in section("messages")


def test_the_coach_sees_an_edited_report_with_its_two_versions(demo_app):
    sanne = signed_in(demo_app, "coach@demo.test")
    daan = ids(demo_app)["client"]
    report_ids = links(page(sanne, f"/demo/clients/{daan}/sections/reports"), r"/demo/reports/(\d+)\"")

    edited = [r for r in report_ids if "Afspraak: Daan maakt" in page(sanne, f"/demo/reports/{r}")]
    assert len(edited) == 1
    versions = page(sanne, f"/demo/reports/{edited[0]}/versions")
    assert len(links(versions, rf"/demo/reports/{edited[0]}/versions/(\d+)")) == 2


def test_the_coach_downloads_the_sample_document(demo_app):
    sanne = signed_in(demo_app, "coach@demo.test")
    daan = ids(demo_app)["client"]
    document = re.search(r"/demo/documents/(\d+)/download", page(sanne, f"/demo/clients/{daan}/sections/documents"))

    response = sanne.get(f"/demo/documents/{document.group(1)}/download")

    assert response.status_code == 200
    assert response.data == content.sample_pdf()
    assert response.headers["Content-Type"].startswith("application/pdf")


def test_the_client_sees_work_to_do_feedback_journal_goals_and_messages(demo_app):
    daan = signed_in(demo_app, "client@demo.test")

    assert page(daan, "/demo/me")
    mine = page(daan, "/demo/exercises/mine")
    assert "Jouw waarden en drijfveren" in mine and "Weekreflectie" in mine
    assignments = links(mine, r"/demo/exercises/assignments/(\d+)\"")
    pages = [page(daan, f"/demo/exercises/assignments/{a}") for a in assignments]
    with_feedback = [p for p in pages if "Goed begin, Daan" in p]
    assert len(with_feedback) == 1
    assert "Een 5: laten we" in with_feedback[0]  # feedback on a question, beside the answer
    programme = page(daan, "/demo/programmes/mine")
    assert "Welkom bij je traject" in programme and "Loopbaanoriëntatie" in programme
    diary = page(daan, "/demo/journal/")
    assert content.JOURNAL_MARKER in diary and "Spannend om hardop" in diary
    goals = page(daan, "/demo/goals/")
    for title in ("Een duidelijke beroepsrichting kiezen", "Twee informatiegesprekken voeren", "Mijn cv bijwerken"):
        assert title in goals
    assert len(links(page(daan, "/demo/reports/mine"), r"/demo/reports/(\d+)\"")) == 2  # shared ones only
    assert "cv-daan-de-boer.pdf" in page(daan, "/demo/documents/mine")
    assert "dinsdag om 10:00" in page(daan, "/demo/messages/me")


def test_the_client_has_unread_notices_and_a_message(demo_app):
    with demo_app.app_context(), use_practice(tenancy.find_practice("demo")):
        from app.messages import services as messages
        from app.notifications import services as notifications

        daan = accounts.user_by_email("client@demo.test")
        sanne = accounts.user_by_email("coach@demo.test")
        assert messages.unread_total(daan) == 1
        assert notifications.unread_count(daan) >= 2
        assert messages.unread_total(sanne) == 1  # Lotte's question


def test_the_practice_admin_sees_both_coaches_and_their_caseloads(demo_app):
    html = page(signed_in(demo_app, "admin@demo.test"), "/demo/admin/people/")

    for name in ("Sanne Jansen", "Pieter Visser", "Daan de Boer", "Noor Hendriks"):
        assert name in html


def test_the_demo_has_a_template_and_exercises_of_every_question_type(demo_app):
    from app.exercises import builder
    from app.exercises.models import QuestionKind
    from app.programmes import library

    with demo_app.app_context(), use_practice(tenancy.find_practice("demo")):
        kinds = {q.kind for e in builder.library() for q in builder.questions_of(builder.current_version(e))}
        assert kinds == set(QuestionKind.ALL)
        templates = library.list_templates()
        assert [t.name for t in templates] == ["Loopbaanoriëntatie"]
        steps = library.template_steps(templates[0])
        assert {s.kind for s in steps} == {"info", "exercise"}
        assert {s.unlock for s in steps} == {"always", "previous", "date"}
