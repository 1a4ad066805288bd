"""The take-away archive: a practice with every kind of record exported, imported and exported again; refusals."""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.archive import scope, services
from app.archive.exporter import ARCHIVE_JSON
from app.assessments import raters
from app.assessments import services as assessments
from app.audit.services import verify_chain
from app.clients import services as clients
from app.demo import content
from app.exercises import builder
from app.exercises.models import Exercise
from app.extensions import db
from app.goals import services as goals
from app.goals.models import Goal
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from tests.conftest import ONE, PASSWORD, TWO

ENERGY_CHECK = {
    "id": "energy-check", "version": 1, "kind": "other",
    "title": {"nl": "Energiecheck", "en": "Energy check"},
    "instructions": {"nl": "Geef aan hoe goed elke zin bij je past.", "en": "Say how well each sentence fits you."},
    "response_scale": {"points": [1, 2, 3, 4, 5], "labels": {
        "nl": ["Helemaal niet", "Weinig", "Deels", "Grotendeels", "Helemaal"],
        "en": ["Not at all", "A little", "Partly", "Largely", "Completely"]}},
    "items": [
        {"id": "W1", "text": {"nl": "Ik kijk uit naar mijn werkdag.", "en": "I look forward to my working day."},
         "scale": "W", "keying": "+"},
        {"id": "W2", "text": {"nl": "Mijn werk put me uit.", "en": "My work drains me."}, "scale": "W", "keying": "-"},
    ],
    "scales": [{"id": "W", "name": {"nl": "Werkplezier", "en": "Enjoying work"}, "scoring": "sum"}],
    "source": "Example written for the Koers README.", "licence": "CC0 1.0",
}
# Texts that must never reach carol's own archive: a report her coach kept private, dave's journal.
PRIVATE_REPORT = "Eigen aantekening: Daan lijkt op te bloeien bij klantcontact"
DAVE_JOURNAL = "Dave schrijft iets heel persoonlijks"
CAROL_JOURNAL = content.JOURNAL_MARKER


def _questionnaire(coach: User, client: User, instrument_id: str) -> Any:
    assignment = assessments.assign(coach, client, instrument_id)
    instrument = assessments.instrument_of(assignment)
    answers = {f"a-{item.id}": "4" for item in instrument.items}
    assessments.save_answers(client, assignment, answers)
    assessments.submit(client, assignment)
    return assignment, answers


def fill_practice(app, world) -> None:
    """Every kind of record in praktijk-een, made through the features' services."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        admin, alice, carol, dave = (accounts.user_by_id(world.ids[p]) for p in ("admin", "alice", "carol", "dave"))
        bob = accounts.user_by_id(world.ids["bob"])
        # The demo's whole coaching story, with alice as its coach and carol as its client: people,
        # programmes with steps, exercises (every question type), answers and feedback, reports with
        # versions (one private), a document, journal, goals, messages, notifications.
        demo = content.Demo(admin=admin, coaches={"sanne": alice}, clients={"daan": carol})
        content.fill(demo, hash_password(PASSWORD))
        # A second version of an answered exercise: the answers keep the questions they answered.
        startpunt = db.session.scalar(select(Exercise).where(Exercise.title == "Waar sta je nu?"))
        builder.add_question(alice, startpunt, content.MultiDict({"kind": "short_text", "prompt": "Nog iets?"}))
        goal = db.session.scalar(select(Goal).where(Goal.client_id == carol.id).order_by(Goal.id))
        goals.set_exercises(alice, goal, [startpunt.id])
        # Questionnaires with results: a built-in with a rater, and one the practice imported.
        competency, answers = _questionnaire(alice, carol, "competency-self-assessment")
        rater, _secret = raters.invite(alice, competency, "Rita Rater", "rita@example.test", "colleague")
        raters.submit_rating(rater, answers)
        assessments.import_instrument(admin, json.dumps(ENERGY_CHECK).encode())
        _questionnaire(alice, carol, "energy-check")
        # A correction kept in the audit log's change records, and dave's own things.
        clients.correct_details(alice, carol, {"phone": "06 11112222", "address": "Lindelaan 1, Utrecht"})
        from app.journal import services as journal

        journal.create_entry(dave, {"entry_date": date(2026, 1, 5), "mood": 2, "text": DAVE_JOURNAL})
        _privacy_records(admin, bob, carol, dave)
        db.session.commit()


def _privacy_records(admin: User, bob: User, carol: User, dave: User) -> None:
    """Rows of the privacy tables, through their services where those exist."""
    try:
        from app.privacy.services import add_processor

        add_processor(admin, {"name": "Hoster BV", "purpose": "Hosting", "location": "Amsterdam",
                              "agreement_date": date(2025, 3, 1), "note": None})
    except ImportError:
        pass
    try:
        from app.rights.services import open_request

        open_request(carol, "access", "web", carol, "Wat bewaren jullie over mij?")
    except ImportError:
        pass
    try:
        from app.restrictions.services import restrict

        restrict(dave, "request", bob)
    except ImportError:
        pass


def read_archive(path: Path | bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """koers-archive.json and every other file of an archive."""
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(source) as package:
        files = {name: package.read(name) for name in package.namelist()}
    return json.loads(files[ARCHIVE_JSON]), files


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def instance_state(app) -> set[str]:
    """The files of the instance that a failed import must not leave behind (practice files and keys)."""
    root = Path(app.instance_path)
    return {str(p.relative_to(root)) for folder in ("tenants", "keys") for p in (root / folder).rglob("*")}


def slugs(app) -> list[str]:
    with app.app_context():
        return [p.slug for p in tenancy.list_practices()]


# --- the round trip -------------------------------------------------------------------------------


def test_it_imports_a_whole_practice_and_exports_the_same_archive_again(app, world, tmp_path):
    fill_practice(app, world)
    first, second = tmp_path / "een.zip", tmp_path / "drie.zip"

    exported = run(app, "practices", "export", ONE, "--to", str(first))
    assert exported.exit_code == 0, exported.output
    assert os.stat(first).st_mode & 0o777 == 0o600
    imported = run(app, "practices", "import", str(first), "--as", "praktijk-drie")
    assert imported.exit_code == 0, imported.output
    again = run(app, "practices", "export", "praktijk-drie", "--to", str(second))
    assert again.exit_code == 0, again.output

    a, a_files = read_archive(first)
    b, b_files = read_archive(second)
    assert (a["practice"], b["practice"]) == ({"slug": ONE, "name": "Praktijk Een"},
                                              {"slug": "praktijk-drie", "name": "Praktijk Een"})
    # Every kind of record is there, and not trivially: the round trip carries real content.
    for kind in ("people", "programmes", "programme_steps", "exercises", "exercise_versions", "exercise_questions",
                 "exercise_assignments", "exercise_answers", "session_reports", "report_versions", "documents",
                 "journal_entries", "goals", "goal_exercises", "messages", "message_thread_reads", "notifications",
                 "assessment_assignments", "assessment_raters", "practice_instruments", "audit_events",
                 "audit_changes", "client_profiles", "coach_assignments", "programme_templates"):
        assert a["records"][kind], f"no {kind} in the first archive"
    assert max(v["number"] for v in a["records"]["exercise_versions"]) == 2
    # The privacy tables of issue 5 travel too, where their features made rows.
    for kind in ("processors", "data_requests", "restrictions", "consent_versions"):
        assert kind not in a["records"] or a["records"][kind], f"no {kind} in the first archive"
    # The import's own audit event follows the chain it took over; everything else is the same.
    a_events, b_events = a["records"]["audit_events"], b["records"]["audit_events"]
    assert b_events[: len(a_events)] == a_events
    assert [e["action"] for e in b_events[len(a_events):]] == ["archive.imported"]
    for kind in set(a["records"]) | set(b["records"]):
        if kind != "audit_events":
            assert a["records"][kind] == b["records"][kind], f"{kind} differs after the round trip"
    assert a_files["schema.json"] == b_files["schema.json"]
    documents = a["records"]["documents"]
    assert documents and all(a_files[d["file"]] == b_files[d["file"]] for d in documents)
    assert a_files[documents[0]["file"]].startswith(b"%PDF-")
    for kind in a["records"]:
        assert f"csv/{kind}.csv" in a_files

    with app.app_context():
        drie = tenancy.find_practice("praktijk-drie")
        with use_practice(drie):
            assert verify_chain().ok
            carol = accounts.user_by_email("carol@een.test")
            # Same ids, readable with the new practice's own key; no password travels along.
            assert carol.id == world.ids["carol"] and carol.phone == "06 11112222"
            assert carol.password_hash is None
    assert run(app, "audit", "verify", "praktijk-drie").exit_code == 0


def test_it_never_puts_secrets_in_an_archive(app, world, tmp_path):
    fill_practice(app, world)
    assert run(app, "practices", "export", ONE, "--to", str(tmp_path / "een.zip")).exit_code == 0
    document, files = read_archive(tmp_path / "een.zip")
    everything = b"".join(files.values())
    assert b"$argon2" not in everything
    assert all("password_hash" not in person for person in document["records"]["people"])
    assert all("token_hash" not in rater for rater in document["records"]["assessment_raters"])
    for kind in ("account_tokens", "user_sessions", "export_jobs"):
        assert kind not in document["records"]
    schema = json.loads(files["schema.json"])
    assert schema["version"] == 1 and "account_tokens" in schema["never_exported"]
    journal = schema["kinds"]["journal_entries"]
    assert journal["description"].startswith("One journal entry")
    assert journal["fields"]["client_id"] == {"type": "integer", "nullable": False, "references": "people.id"}
    assert journal["fields"]["text"]["encrypted_at_rest"] is True


def test_it_exports_one_client_with_only_her_data_and_her_coaches_by_name(app, world, tmp_path):
    fill_practice(app, world)
    path = tmp_path / "carol.zip"
    result = run(app, "practices", "export", ONE, "--client", "carol@een.test", "--to", str(path), "--lang", "en")
    assert result.exit_code == 0, result.output
    document, files = read_archive(path)
    carol, alice = world.ids["carol"], world.ids["alice"]
    assert document["scope"] == "client" and document["subject"]["email"] == "carol@een.test"
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert CAROL_JOURNAL in everything
    assert PRIVATE_REPORT not in everything and DAVE_JOURNAL not in everything
    assert "Rita Rater" not in everything and "assessment_raters" not in document["records"]
    records = document["records"]
    assert all(r["visibility"] == "shared" for r in records["session_reports"] + records["report_versions"])
    for kind, column in (("journal_entries", "client_id"), ("messages", "client_id"), ("goals", "client_id"),
                         ("documents", "client_id"), ("exercise_assignments", "client_id"),
                         ("assessment_assignments", "client_id"), ("notifications", "user_id")):
        assert records[kind] and {r[column] for r in records[kind]} == {carol}, kind
    assert all(carol in (e["subject_id"], e["actor_id"]) for e in records["audit_events"])
    people = {p["id"]: p for p in records["people"]}
    assert people[carol]["email"] == "carol@een.test"
    assert set(people[alice]) == {"id", "role", "first_name", "last_name"}
    assert world.ids["dave"] not in people
    # The questions as she answered them, and the imported questionnaire she took.
    answered = {a["question_id"] for a in records["exercise_answers"]}
    assert answered <= {q["id"] for q in records["exercise_questions"]}
    assert [i["instrument_id"] for i in records["practice_instruments"]] == ["energy-check"]
    page = files["index.html"].decode()
    assert "The data of Carol Test" in page and CAROL_JOURNAL in page
    assert "<script" not in page and "Enjoying work" in page
    assert f'href="{records["documents"][0]["file"]}"' in page


def test_it_writes_the_offline_page_in_the_exporters_language(app, world, tmp_path):
    fill_practice(app, world)
    with app.app_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        services.export_client(carol, tmp_path / "nl.zip", locale="nl")
        db.session.commit()
    page = read_archive(tmp_path / "nl.zip")[1]["index.html"].decode()
    assert '<html lang="nl">' in page
    assert "<h2>Dagboek</h2>" in page and "<h2>Berichten</h2>" in page
    # Statuses read as the app shows them, not as the codes the JSON keeps.
    statuses = set(re.findall(r"<dt>Status</dt>\s*<dd>([^<]*)</dd>", page))
    assert statuses and not statuses & {"open", "submitted", "reviewed", "active", "intake", "in_progress"}, statuses


# --- refusals: nothing is imported -----------------------------------------------------------------


def _rezip(files: dict[str, bytes], **changes: bytes | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in {**files, **changes}.items():
            if data is not None:
                package.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def good_archive(app, world, tmp_path) -> tuple[dict[str, Any], dict[str, bytes], bytes]:
    fill_practice(app, world)
    path = tmp_path / "een.zip"
    with app.app_context(), use_practice(world.practices[ONE]):
        services.export_practice(path)
        db.session.commit()
    document, files = read_archive(path)
    return document, files, path.read_bytes()


def _broken(document: dict[str, Any], files: dict[str, bytes], raw: bytes) -> dict[str, tuple[bytes, str]]:
    """Each way an archive can be wrong, with the words its refusal must contain."""

    def changed(**edit: Any) -> bytes:
        return _rezip(files, **{ARCHIVE_JSON: json.dumps({**document, **edit}).encode()})

    document_file = document["records"]["documents"][0]["file"]
    records = json.loads(json.dumps(document["records"]))
    records["journal_entries"][0]["client_id"] = 99_999
    unknown_kind = {**document["records"], "horoscopes": [{"id": 1}]}
    return {
        "not a zip": (b"these are not the bytes you are looking for", "not a ZIP file"),
        "truncated": (raw[: len(raw) // 2], "not a ZIP file, or it is incomplete"),
        "no json": (_rezip(files, **{ARCHIVE_JSON: None}), "has no koers-archive.json"),
        "bad json": (_rezip(files, **{ARCHIVE_JSON: b'{"format": "koers-archive", '}), "not valid JSON"),
        "foreign": (changed(format="someone-else"), "not a Koers archive"),
        "newer version": (changed(version=2), "format version 2"),
        "checksum": (_rezip(files, **{document_file: files[document_file] + b"x"}), "does not match its checksum"),
        "missing document": (_rezip(files, **{document_file: None}), "is missing"),
        "dangling reference": (changed(records=records), "do not fit together"),
        "unknown kind": (changed(records=unknown_kind), "does not know (horoscopes)"),
    }


def test_it_refuses_a_broken_archive_and_leaves_nothing_behind(app, good_archive, tmp_path):
    before_files, before_slugs = instance_state(app), slugs(app)
    for name, (data, words) in _broken(*good_archive).items():
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        with app.app_context(), pytest.raises(services.ArchiveError) as refused:
            services.import_practice_archive(path, "praktijk-drie")
        assert words in str(refused.value), f"{name}: {refused.value}"
        assert instance_state(app) == before_files, name
        assert slugs(app) == before_slugs, name


def test_it_refuses_an_existing_slug_and_a_client_archive_on_the_command_line(app, world, good_archive, tmp_path):
    path = tmp_path / "een.zip"
    path.write_bytes(good_archive[2])
    before = instance_state(app)
    taken = run(app, "practices", "import", str(path), "--as", TWO)
    assert taken.exit_code == 1 and "already exists" in taken.output and "Nothing was imported" in taken.output
    (tmp_path / "junk.zip").write_bytes(b"junk")
    junk = run(app, "practices", "import", str(tmp_path / "junk.zip"), "--as", "praktijk-drie")
    assert junk.exit_code == 1 and "not a ZIP file" in junk.output
    with app.app_context(), use_practice(world.practices[ONE]):
        services.export_client(accounts.user_by_id(world.ids["carol"]), tmp_path / "carol.zip")
        db.session.commit()
    client = run(app, "practices", "import", str(tmp_path / "carol.zip"), "--as", "praktijk-drie")
    assert client.exit_code == 1 and "archive of one client" in client.output
    assert instance_state(app) == before and "praktijk-drie" not in slugs(app)


def test_it_answers_unknown_slugs_and_clients_on_the_command_line(app, world, tmp_path):
    unknown = run(app, "practices", "export", "nergens", "--to", str(tmp_path / "x.zip"))
    assert unknown.exit_code == 1 and "no practice with slug 'nergens'" in unknown.output
    coach = run(app, "practices", "export", ONE, "--client", "alice@een.test", "--to", str(tmp_path / "x.zip"))
    assert coach.exit_code == 1 and "no client with e-mail address" in coach.output
    nobody = run(app, "practices", "export", ONE, "--client", "nobody@een.test", "--to", str(tmp_path / "x.zip"))
    assert nobody.exit_code == 1
    missing = run(app, "practices", "import", str(tmp_path / "absent.zip"), "--as", "praktijk-drie")
    assert missing.exit_code == 1 and "no file at" in missing.output
    assert not (tmp_path / "x.zip").exists()


# --- the registry -------------------------------------------------------------------------------------


def test_it_declares_how_every_practice_table_belongs_in_an_archive(app):
    with app.app_context():
        assert scope.undeclared_tables() == [], "declare these tables in app/archive/scope.py"
        tables = {t.name: t for t in scope.practice_tables()}
        kinds = [scope.kind_of(name) for name in tables]
        assert len(kinds) == len(set(kinds)), "two tables share a kind name"
        for name, table in tables.items():
            declared = scope.belongs(name)
            assert declared.how in scope.HOWS, name
            if declared.how in (scope.CLIENT, scope.CHILD):
                assert declared.column in table.c, f"{name}.{declared.column} does not exist"
            if declared.how == scope.CHILD:
                assert declared.parent in tables, f"{name}: parent {declared.parent} is not a practice table"
            for ref, column in declared.referenced_by:
                assert ref not in tables or column in tables[ref].c, f"{ref}.{column} does not exist"
            for column in declared.omit:
                assert column in table.c, f"{name}.{column} does not exist"
