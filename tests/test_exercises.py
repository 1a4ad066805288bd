"""Exercises: the form builder, versions, autosaved answers, handing in, feedback, privacy."""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.exercises import builder, services
from app.exercises.models import Answer, Assignment, ExerciseVersion, Question
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.tenancy.context import use_practice
from tests.conftest import ONE
from tests.test_security_headers import markup_of

P = f"/{ONE}/exercises"

EVERY_KIND = [
    ("short_text", "Wat is je naam voor dit doel?", {}),
    ("long_text", "Beschrijf je ideale werkdag.", {}),
    ("scale", "Hoe tevreden ben je?", {"scale_min": "1", "scale_max": "5", "min_label": "Niet", "max_label": "Zeer"}),
    ("single_choice", "Welke rol past bij je?", {"options": "Leider\nDenker\nDoener"}),
    ("multiple_choice", "Wat geeft je energie?", {"options": "Mensen\nRust\nPuzzels"}),
    ("date", "Wanneer wil je starten?", {}),
    ("ranking", "Zet je waarden op volgorde.", {"options": "Vrijheid\nZekerheid\nGroei"}),
]
GOOD_ANSWERS = {
    "short_text": {"value": "Koers houden"},
    "long_text": {"value": "Eerst koffie,\ndan bouwen."},
    "scale": {"value": "4"},
    "single_choice": {"value": "Denker"},
    "multiple_choice": {"value": ["Rust", "Puzzels"]},
    "date": {"value": "2026-09-01"},
    "ranking": {"value": ["Vrijheid", "Zekerheid", "Groei"], "move": "2:up"},
}


# --- helpers ----------------------------------------------------------------------------------


def new_exercise(coach, title="Kernwaarden", instructions="Neem de tijd.\nEr is geen goed of fout.") -> int:
    response = coach.post(f"{P}/", {"title": title, "instructions": instructions})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/exercises/(\d+)$", response.headers["Location"]).group(1))


def add_question(coach, exercise_id: int, kind: str, prompt: str, **config):
    return coach.htmx("POST", f"{P}/{exercise_id}/questions", {"kind": kind, "prompt": prompt, **config})


def build_every_kind(coach) -> int:
    exercise_id = new_exercise(coach)
    for kind, prompt, config in EVERY_KIND:
        assert add_question(coach, exercise_id, kind, prompt, **config).status_code == 200
    return exercise_id


def question_ids(app, world, exercise_id: int) -> dict[str, int]:
    """kind -> question id in the exercise's current version."""
    with app.app_context(), use_practice(world.practices[ONE]):
        version = builder.current_version(builder.get_exercise(exercise_id))
        return {q.kind: q.id for q in builder.questions_of(version)}


def assign(coach, world, exercise_id: int, client: str = "carol", due: str = "") -> int:
    response = coach.post(f"{P}/{exercise_id}/assign", {"client_id": world.ids[client], "due_date": due})
    assert response.status_code == 303, response.get_data(as_text=True)
    with coach.client.application.app_context(), use_practice(world.practices[ONE]):
        return db.session.scalar(select(Assignment.id).order_by(Assignment.id.desc()).limit(1))


def save(client, assignment_id: int, question_id: int, data: dict, revision: int | None = None):
    payload = dict(data)
    payload["revision"] = str(revision if revision is not None else current_revision(client, assignment_id, question_id))
    return client.htmx("POST", f"{P}/assignments/{assignment_id}/answers/{question_id}", payload)


def current_revision(visitor, assignment_id: int, question_id: int) -> int:
    page = visitor.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    block = page[page.index(f'id="state-{question_id}"'):]
    return int(re.search(r'name="revision" value="(\d+)"', block).group(1))


def answer_row(app, world, assignment_id: int, question_id: int) -> Answer | None:
    with app.app_context(), use_practice(world.practices[ONE]):
        answer = db.session.scalar(
            select(Answer).where(Answer.assignment_id == assignment_id, Answer.question_id == question_id)
        )
        if answer is not None:
            db.session.expunge(answer)
            answer.value  # noqa: B018 (decrypted while the practice is selected)
        return answer


def stored_value(app, world, assignment_id: int, question_id: int) -> str | None:
    with app.app_context(), use_practice(world.practices[ONE]):
        return db.session.scalar(
            select(Answer.value).where(Answer.assignment_id == assignment_id, Answer.question_id == question_id)
        )


def audit_actions(app, world) -> list[tuple[str, int | None, int | None]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [(e.action, e.object_id, e.actor_id) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def notices(app, world, persona: str) -> list[tuple[str, str]]:
    with app.app_context(), use_practice(world.practices[ONE]):
        return [
            (n.kind, n.url)
            for n in db.session.scalars(select(Notification).where(Notification.user_id == world.ids[persona]))
        ]


@pytest.fixture
def alice(as_persona):
    return as_persona("alice", "en")


@pytest.fixture
def carol(as_persona):
    return as_persona("carol", "en")


@pytest.fixture
def answered(app, world, alice, carol):
    """An exercise with every kind of question, given to carol, who answered all of it."""
    exercise_id = build_every_kind(alice)
    assignment_id = assign(alice, world, exercise_id)
    ids = question_ids(app, world, exercise_id)
    for kind, data in GOOD_ANSWERS.items():
        assert save(carol, assignment_id, ids[kind], data).status_code == 200, kind
    return exercise_id, assignment_id, ids


# --- the builder ----------------------------------------------------------------------------


def test_it_builds_an_exercise_with_every_kind_of_question_as_htmx_fragments(app, world, alice):
    exercise_id = new_exercise(alice)
    for kind, prompt, config in EVERY_KIND:
        response = add_question(alice, exercise_id, kind, prompt, **config)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and prompt in text
        assert "<html" not in text and 'id="questions"' in text, "htmx gets the fragment, not the page"
    with app.app_context(), use_practice(world.practices[ONE]):
        questions = builder.questions_of(builder.current_version(builder.get_exercise(exercise_id)))
        assert [q.kind for q in questions] == [k for k, _p, _c in EVERY_KIND]
        by_kind = {q.kind: q.config for q in questions}
        assert by_kind["scale"] == {"min": 1, "max": 5, "min_label": "Niet", "max_label": "Zeer"}
        assert by_kind["ranking"] == {"options": ["Vrijheid", "Zekerheid", "Groei"]}
    page = alice.get(f"{P}/{exercise_id}").get_data(as_text=True)
    assert "Neem de tijd.\nEr is geen goed of fout." in page


def test_it_edits_reorders_and_removes_questions_in_place(app, world, alice):
    exercise_id = new_exercise(alice)
    for prompt in ("Eerste", "Tweede", "Derde"):
        add_question(alice, exercise_id, "short_text", prompt)
    ids = list(question_ids(app, world, exercise_id).values())  # only one kind: the last id wins
    with app.app_context(), use_practice(world.practices[ONE]):
        first, second, third = [q.id for q in builder.questions_of(builder.current_version(builder.get_exercise(exercise_id)))]
    assert ids == [third]

    editing = alice.htmx("GET", f"{P}/{exercise_id}/questions?edit={second}")
    assert editing.status_code == 200 and f'action="{P}/{exercise_id}/questions/{second}"' in editing.get_data(as_text=True)
    edited = alice.htmx("POST", f"{P}/{exercise_id}/questions/{second}", {"prompt": "Tweede, beter"})
    assert edited.status_code == 200 and "Tweede, beter" in edited.get_data(as_text=True)

    moved = alice.htmx("POST", f"{P}/{exercise_id}/questions/{third}/move", {"direction": "up"})
    text = moved.get_data(as_text=True)
    assert moved.status_code == 200
    assert text.index("Eerste") < text.index("Derde") < text.index("Tweede, beter")

    removed = alice.htmx("POST", f"{P}/{exercise_id}/questions/{first}/delete")
    assert removed.status_code == 200 and "Eerste" not in removed.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        version = builder.current_version(builder.get_exercise(exercise_id))
        assert version.number == 1, "no answers yet: changes stay in the same version"
        assert [q.prompt for q in builder.questions_of(version)] == ["Derde", "Tweede, beter"]
    # A browser without htmx gets the page back.
    plain = alice.post(f"{P}/{exercise_id}/questions/{third}/move", {"direction": "down"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#questions")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "short_text", "prompt": "  "}, "Enter the question."),
        ({"kind": "essay", "prompt": "Vraag"}, "Choose a kind of question."),
        ({"kind": "scale", "prompt": "Vraag", "scale_min": "5", "scale_max": "1"}, "The lowest value must be below the highest"),
        ({"kind": "scale", "prompt": "Vraag", "scale_min": "een", "scale_max": "5"}, "Enter a whole number."),
        ({"kind": "single_choice", "prompt": "Vraag", "options": "Alleen"}, "Enter at least two options"),
        ({"kind": "ranking", "prompt": "Vraag", "options": "A\nA"}, "Each option may appear only once."),
    ],
)
def test_it_refuses_a_question_that_cannot_work_with_422(app, world, alice, data, message):
    exercise_id = new_exercise(alice)
    response = alice.htmx("POST", f"{P}/{exercise_id}/questions", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert question_ids(app, world, exercise_id) == {}


def test_it_shows_every_coach_the_practice_library_but_no_one_else(world, as_persona, alice):
    exercise_id = new_exercise(alice, title="Gedeelde oefening")
    bob = as_persona("bob", "en")
    assert "Gedeelde oefening" in bob.get(f"{P}/").get_data(as_text=True)
    assert bob.htmx("POST", f"{P}/{exercise_id}/questions", {"kind": "date", "prompt": "Van Bob"}).status_code == 200
    assert as_persona("eve").get("/praktijk-twee/exercises/").status_code == 200
    assert "Gedeelde oefening" not in as_persona("eve").get("/praktijk-twee/exercises/").get_data(as_text=True)
    assert as_persona("eve").get(f"/praktijk-twee/exercises/{exercise_id}").status_code == 404


# --- versions --------------------------------------------------------------------------------


def test_it_makes_a_new_version_when_answered_questions_change_and_old_answers_keep_theirs(app, world, alice, carol, as_persona):
    exercise_id, assignment_id, ids = None, None, None
    exercise_id = new_exercise(alice)
    add_question(alice, exercise_id, "single_choice", "Welke kleur?", options="Rood\nBlauw")
    add_question(alice, exercise_id, "short_text", "Waarom?")
    assignment_id = assign(alice, world, exercise_id)
    ids = question_ids(app, world, exercise_id)
    assert save(carol, assignment_id, ids["single_choice"], {"value": "Blauw"}).status_code == 200

    builder_page = alice.get(f"{P}/{exercise_id}").get_data(as_text=True)
    assert "your next change makes version 2" in builder_page
    changed = alice.htmx(
        "POST", f"{P}/{exercise_id}/questions/{ids['single_choice']}", {"prompt": "Welke tint?", "options": "Groen\nGeel"}
    )
    assert changed.status_code == 200 and "Version 2." in changed.get_data(as_text=True)
    new_ids = question_ids(app, world, exercise_id)
    assert alice.htmx("POST", f"{P}/{exercise_id}/questions/{new_ids['short_text']}/delete").status_code == 200

    with app.app_context(), use_practice(world.practices[ONE]):
        versions = db.session.scalars(
            select(ExerciseVersion).where(ExerciseVersion.exercise_id == exercise_id).order_by(ExerciseVersion.number)
        ).all()
        assert [v.number for v in versions] == [1, 2]
        assert [q.prompt for q in builder.questions_of(versions[0])] == ["Welke kleur?", "Waarom?"]
        assert [q.prompt for q in builder.questions_of(versions[1])] == ["Welke tint?"]
        assert db.session.get(Assignment, assignment_id).version_id == versions[0].id

    # Carol's page still shows the questions she was given, with her answer.
    page = carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "Welke kleur?" in page and "Welke tint?" not in page
    assert re.search(r'value="Blauw" checked', page)
    # Handed in and reviewed, the old version still reads back correctly for the coach.
    save(carol, assignment_id, ids["short_text"], {"value": "Rust"})
    assert carol.post(f"{P}/assignments/{assignment_id}/submit").status_code == 303
    review = alice.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "Welke kleur?" in review and "Blauw" in review and "Rust" in review
    # A new assignment gets the new version.
    dave_coach = as_persona("bob", "en")
    dave_assignment = assign(dave_coach, world, exercise_id, client="dave")
    dave_page = as_persona("dave", "en").get(f"{P}/assignments/{dave_assignment}").get_data(as_text=True)
    assert "Welke tint?" in dave_page and "Welke kleur?" not in dave_page


def test_it_keeps_editing_one_version_until_someone_answers_it(app, world, alice):
    exercise_id = new_exercise(alice)
    add_question(alice, exercise_id, "short_text", "Vraag")
    assign(alice, world, exercise_id)
    add_question(alice, exercise_id, "long_text", "Nog een")
    with app.app_context(), use_practice(world.practices[ONE]):
        assert builder.current_version(builder.get_exercise(exercise_id)).number == 1


# --- answering -------------------------------------------------------------------------------


def test_it_saves_every_kind_of_answer_on_change_and_shows_them_after_a_reload(app, world, answered, carol):
    _exercise_id, assignment_id, ids = answered
    response = save(carol, assignment_id, ids["short_text"], {"value": "Koers houden, echt"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Saved" in text and 'id="state-' in text and "<html" not in text

    page = carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert 'value="Koers houden, echt"' in page
    assert "Eerst koffie,\ndan bouwen.</textarea>" in page
    assert re.search(r'name="value" value="4" checked', page)
    assert re.search(r'value="Denker" checked', page)
    assert re.search(r'value="Rust" checked', page) and re.search(r'value="Puzzels" checked', page)
    assert 'value="2026-09-01"' in page
    # The ranking was saved with the requested move applied: Groei moved above Zekerheid.
    ranking = page[page.index(f'id="q-{ids["ranking"]}"'):]
    assert ranking.index('value="Vrijheid"') < ranking.index('value="Groei"') < ranking.index('value="Zekerheid"')


def test_it_answers_a_ranking_move_with_the_whole_question_in_its_new_order(app, world, alice, carol):
    exercise_id = new_exercise(alice)
    add_question(alice, exercise_id, "ranking", "Volgorde", options="A\nB\nC")
    assignment_id = assign(alice, world, exercise_id)
    qid = question_ids(app, world, exercise_id)["ranking"]
    response = save(carol, assignment_id, qid, {"value": ["A", "B", "C"], "move": "0:down"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="q-{qid}"' in text
    assert text.index('value="B"') < text.index('value="A"') < text.index('value="C"')


def test_it_tells_a_stale_window_that_its_save_replaced_another_windows_answer(app, world, answered, carol, as_persona):
    _exercise_id, assignment_id, ids = answered
    qid = ids["long_text"]
    first_tab, second_tab = carol, as_persona("carol", "en")
    start = current_revision(first_tab, assignment_id, qid)
    assert current_revision(second_tab, assignment_id, qid) == start

    ok = save(first_tab, assignment_id, qid, {"value": "Uit het eerste venster"}, revision=start)
    assert ok.status_code == 200
    stale = save(second_tab, assignment_id, qid, {"value": "Uit het tweede venster"}, revision=start)
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed in another window" in text and "has replaced it" in text
    # The later save wins, and the stale window now carries the current revision.
    assert answer_row(app, world, assignment_id, qid).value == '"Uit het tweede venster"'
    assert f'name="revision" value="{start + 2}"' in text
    assert save(second_tab, assignment_id, qid, {"value": "Verder"}, revision=start + 2).status_code == 200
    actions = [a for a, _o, _u in audit_actions(app, world)]
    assert actions.count("exercise.answer_saved") >= 3


def test_it_writes_nothing_for_a_repeated_save_of_the_same_answer(app, world, answered, carol):
    _exercise_id, assignment_id, ids = answered
    before = answer_row(app, world, assignment_id, ids["date"]).revision
    assert save(carol, assignment_id, ids["date"], {"value": "2026-09-01"}).status_code == 200
    assert answer_row(app, world, assignment_id, ids["date"]).revision == before


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("scale", {"value": "6"}, "Choose a value from 1 to 5."),
        ("scale", {"value": "vier"}, "Choose a value from 1 to 5."),
        ("single_choice", {"value": "Astronaut"}, "Choose one of the options given."),
        ("multiple_choice", {"value": ["Rust", "Geld"]}, "Choose from the options given."),
        ("long_text", {"value": "x" * 20_001}, "the most is 20000"),
        ("short_text", {"value": "x" * 1_001}, "the most is 1000"),
        ("date", {"value": "2026-02-30"}, "Enter a date as year-month-day"),
        ("date", {"value": "01-09-2026"}, "Enter a date as year-month-day"),
        ("ranking", {"value": ["Vrijheid", "Vrijheid", "Groei"]}, "exactly once"),
    ],
)
def test_it_refuses_an_answer_that_does_not_fit_with_422_and_saves_nothing(app, world, answered, carol, kind, data, message):
    _exercise_id, assignment_id, ids = answered
    before = answer_row(app, world, assignment_id, ids[kind])
    response = save(carol, assignment_id, ids[kind], data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text and "Nothing was saved." in text and f'id="state-{ids[kind]}"' in text
    after = answer_row(app, world, assignment_id, ids[kind])
    assert (after.value, after.revision) == (before.value, before.revision)


def test_it_saves_without_javascript_too(app, world, alice, carol):
    exercise_id = new_exercise(alice)
    add_question(alice, exercise_id, "scale", "Hoeveel?", scale_min="0", scale_max="10")
    assignment_id = assign(alice, world, exercise_id)
    qid = question_ids(app, world, exercise_id)["scale"]
    url = f"{P}/assignments/{assignment_id}/answers/{qid}"
    ok = carol.post(url, {"value": "7", "revision": "0"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"#q-{qid}")
    refused = carol.post(url, {"value": "11", "revision": "1"})
    assert refused.status_code == 422 and "Choose a value from 0 to 10." in refused.get_data(as_text=True)


# --- handing in, locking, reopening ----------------------------------------------------------


def test_it_hands_in_only_when_every_question_is_answered_and_then_locks(app, world, alice, carol, mailbox):
    exercise_id = build_every_kind(alice)
    assignment_id = assign(alice, world, exercise_id)
    ids = question_ids(app, world, exercise_id)
    save(carol, assignment_id, ids["short_text"], GOOD_ANSWERS["short_text"])

    refused = carol.post(f"{P}/assignments/{assignment_id}/submit")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Answer every question before you hand in the exercise." in text
    for kind, qid in ids.items():
        assert (f'href="#q-{qid}"' in text) == (kind != "short_text")
    assert text.count("Answer this question before you hand in the exercise.") == len(ids) - 1

    # Clearing an answer makes it missing again.
    for kind, data in GOOD_ANSWERS.items():
        save(carol, assignment_id, ids[kind], data)
    save(carol, assignment_id, ids["short_text"], {"value": "   "})
    assert carol.post(f"{P}/assignments/{assignment_id}/submit").status_code == 422
    save(carol, assignment_id, ids["short_text"], {"value": "Toch wel"})

    mailbox.clear()
    handed_in = carol.post(f"{P}/assignments/{assignment_id}/submit")
    assert handed_in.status_code == 303
    page = carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "Your answers are locked" in page and "data-autosave" not in page and "Toch wel" in page

    locked = save(carol, assignment_id, ids["short_text"], {"value": "Te laat"}, revision=99)
    assert locked.status_code == 409 and "your coach can reopen it" in locked.get_data(as_text=True)
    assert answer_row(app, world, assignment_id, ids["short_text"]).value == '"Toch wel"'
    assert carol.post(f"{P}/assignments/{assignment_id}/submit").status_code == 303  # says so, changes nothing

    assert (NotificationKind.EXERCISE_SUBMITTED, f"/{ONE}/exercises/assignments/{assignment_id}") in notices(app, world, "alice")
    assert mailbox.to("alice@een.test"), "the coach is told by e-mail too"

    reopened = alice.post(f"{P}/assignments/{assignment_id}/reopen")
    assert reopened.status_code == 303
    assert save(carol, assignment_id, ids["short_text"], {"value": "Na heropenen"}).status_code == 200
    assert ("exercise.reopened", assignment_id, world.ids["alice"]) in audit_actions(app, world)


def test_it_shows_the_coach_no_answers_before_they_are_handed_in(app, world, answered, alice):
    _exercise_id, assignment_id, _ids = answered
    page = alice.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "7 of 7 questions answered" in page
    assert "Koers houden" not in page and "Eerst koffie" not in page
    assert alice.post(f"{P}/assignments/{assignment_id}/feedback", {"overall": "Te vroeg"}).status_code == 422


# --- feedback --------------------------------------------------------------------------------


def test_it_sends_feedback_per_question_and_overall_that_the_client_sees_in_place(app, world, answered, alice, carol, mailbox):
    _exercise_id, assignment_id, ids = answered
    assert carol.post(f"{P}/assignments/{assignment_id}/submit").status_code == 303
    review = alice.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "Koers houden" in review and f'name="feedback-{ids["long_text"]}"' in review

    draft = {f"feedback-{ids['long_text']}": "Mooi beschreven.", "overall": "Sterk begin.", "action": "draft"}
    assert alice.post(f"{P}/assignments/{assignment_id}/feedback", draft).status_code == 303
    assert "Mooi beschreven." not in carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert not [n for n in notices(app, world, "carol") if n[0] == NotificationKind.FEEDBACK_GIVEN]

    sent = alice.post(f"{P}/assignments/{assignment_id}/feedback", {**draft, "action": "review"})
    assert sent.status_code == 303
    page = carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    answer_block = page[page.index(f'id="q-{ids["long_text"]}"'):]
    assert answer_block.index("Mooi beschreven.") < answer_block.index("</section>"), "feedback beside its answer"
    assert "Sterk begin." in page and "Feedback given" in page
    assert (NotificationKind.FEEDBACK_GIVEN, f"/{ONE}/exercises/assignments/{assignment_id}") in notices(app, world, "carol")
    assert mailbox.to("carol@een.test")
    with app.app_context(), use_practice(world.practices[ONE]):
        assert services.assignment_status(db.session.get(Assignment, assignment_id)) == "reviewed"


def test_it_refuses_overlong_feedback_with_422(app, world, answered, alice, carol):
    _exercise_id, assignment_id, _ids = answered
    carol.post(f"{P}/assignments/{assignment_id}/submit")
    response = alice.post(f"{P}/assignments/{assignment_id}/feedback", {"overall": "x" * 20_001, "action": "review"})
    assert response.status_code == 422 and "Keep feedback under 20000 characters." in response.get_data(as_text=True)
    with app.app_context(), use_practice(world.practices[ONE]):
        assignment = db.session.get(Assignment, assignment_id)
        assert (assignment.status, assignment.overall_feedback) == ("submitted", None)


# --- assigning, lists, the dossier and the other features' API --------------------------------


def test_it_gives_an_exercise_from_the_dossier_with_a_due_date_and_notifies_the_client(app, world, alice, carol, mailbox):
    exercise_id = new_exercise(alice, title="Levenslijn")
    add_question(alice, exercise_id, "long_text", "Teken je levenslijn.")
    section = alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/exercises", headers={"HX-Request": "true"})
    assert section.status_code == 200 and "Levenslijn" in section.get_data(as_text=True)

    response = alice.post(f"{P}/for/{world.ids['carol']}", {"exercise_id": exercise_id, "due_date": "2099-01-31"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#section-exercises")
    with app.app_context(), use_practice(world.practices[ONE]):
        [assignment] = services.assignments_for(accounts.user_by_id(world.ids["carol"]))
        assert str(assignment.due_date) == "2099-01-31" and assignment.assigned_by_id == world.ids["alice"]
    kinds = [k for k, _u in notices(app, world, "carol")]
    assert kinds == [NotificationKind.EXERCISE_ASSIGNED]
    assert mailbox.to("carol@een.test")

    mine = carol.get(f"{P}/mine").get_data(as_text=True)
    assert "Levenslijn" in mine and "To do" in mine and "January 31, 2099" in mine
    section = alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/exercises").get_data(as_text=True)
    assert f"/exercises/assignments/{assignment.id}" in section


def test_it_refuses_a_due_date_in_the_past_and_an_exercise_without_questions(app, world, alice):
    empty = new_exercise(alice, title="Leeg")
    refused = alice.post(f"{P}/for/{world.ids['carol']}", {"exercise_id": empty})
    assert refused.status_code == 422 and "This exercise has no questions yet." in refused.get_data(as_text=True)
    add_question(alice, empty, "date", "Wanneer?")
    past = alice.post(f"{P}/{empty}/assign", {"client_id": world.ids["carol"], "due_date": "2001-01-01"})
    assert past.status_code == 422 and "Choose a due date from today on." in past.get_data(as_text=True)
    # Not her client: bob's client is not offered, and refused.
    other = alice.post(f"{P}/{empty}/assign", {"client_id": world.ids["dave"]})
    assert other.status_code == 422


def test_it_offers_the_programmes_feature_a_small_service_api(app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        dave = accounts.user_by_id(world.ids["dave"])
        exercise = builder.create_exercise(alice, "Via het traject")
        from werkzeug.datastructures import MultiDict

        builder.add_question(alice, exercise, MultiDict({"kind": "short_text", "prompt": "Vraag"}))
        assignment = services.assign_exercise(alice, carol, exercise.id)
        assert services.assignment_status(assignment) == "open"
        assert services.assignments_for(carol) == [assignment]
        assert assignment.version.exercise_id == exercise.id and assignment.title == "Via het traject"
        with pytest.raises(services.ExerciseError):
            services.assign_exercise(alice, dave, exercise.id)  # not alice's client
        with pytest.raises(services.ExerciseError):
            services.assign_exercise(alice, carol, 99999)
        db.session.rollback()


def test_it_lists_menu_entries_per_role(world, alice, carol):
    assert f'href="{P}/"' in alice.get(f"/{ONE}/coach").get_data(as_text=True)
    client_home = carol.get(f"/{ONE}/me").get_data(as_text=True)
    assert f'href="{P}/mine"' in client_home and "My exercises" in client_home


# --- privacy: audit, encryption, escaping, markup ---------------------------------------------


def test_it_audits_every_read_of_answers_and_every_change(app, world, answered, alice, carol):
    _exercise_id, assignment_id, _ids = answered
    carol.get(f"{P}/assignments/{assignment_id}")
    carol.post(f"{P}/assignments/{assignment_id}/submit")
    alice.get(f"{P}/assignments/{assignment_id}")
    events = audit_actions(app, world)
    assert ("exercise.answers_read", assignment_id, world.ids["carol"]) in events
    assert ("exercise.answers_read", assignment_id, world.ids["alice"]) in events
    assert ("exercise.assigned", assignment_id, world.ids["alice"]) in events
    assert ("exercise.submitted", assignment_id, world.ids["carol"]) in events
    assert sum(1 for a, o, _u in events if a == "exercise.answer_saved" and o == assignment_id) == len(GOOD_ANSWERS)
    with app.app_context(), use_practice(world.practices[ONE]):
        details = " ".join(e.detail or "" for e in db.session.scalars(select(AuditEvent)))
    assert "Koers houden" not in details and "Denker" not in details


def test_it_keeps_answers_and_feedback_encrypted_in_the_file(app, world, instance, answered, alice, carol):
    _exercise_id, assignment_id, ids = answered
    secret_answer, secret_feedback = "GeheimAntwoord-7f3a", "GeheimeFeedback-91bc"
    save(carol, assignment_id, ids["long_text"], {"value": secret_answer})
    carol.post(f"{P}/assignments/{assignment_id}/submit")
    alice.post(f"{P}/assignments/{assignment_id}/feedback",
               {f"feedback-{ids['long_text']}": secret_feedback, "overall": secret_feedback, "action": "review"})
    path = instance / "tenants" / f"{ONE}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(
            (a or b"") + (f or b"") for a, f in conn.execute("SELECT value, feedback FROM exercise_answers")
        ) + b"".join(o or b"" for (o,) in conn.execute("SELECT overall_feedback FROM exercise_assignments"))
        # The definitions are practice content, stored plainly.
        assert conn.execute("SELECT count(*) FROM exercise_questions WHERE prompt = 'Beschrijf je ideale werkdag.'").fetchone()[0] == 1
    assert raw and secret_answer.encode() not in raw and secret_feedback.encode() not in raw
    assert secret_answer.encode() not in path.read_bytes() and secret_feedback.encode() not in path.read_bytes()
    assert secret_feedback in carol.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_it_shows_hostile_exercise_texts_and_answers_as_text(app, world, alice, carol):
    exercise_id = new_exercise(alice, title=XSS, instructions=XSS)
    add_question(alice, exercise_id, "long_text", XSS)
    add_question(alice, exercise_id, "single_choice", "Kies", options=f"{XSS}\nVeilig")
    add_question(alice, exercise_id, "ranking", "Orden", options=f"{XSS}\nTwee")
    assignment_id = assign(alice, world, exercise_id)
    ids = question_ids(app, world, exercise_id)
    assert save(carol, assignment_id, ids["long_text"], {"value": XSS}).status_code == 200
    assert save(carol, assignment_id, ids["single_choice"], {"value": XSS}).status_code == 200
    assert save(carol, assignment_id, ids["ranking"], {"value": [XSS, "Twee"]}).status_code == 200
    carol.post(f"{P}/assignments/{assignment_id}/submit")
    alice.post(f"{P}/assignments/{assignment_id}/feedback", {"overall": XSS, "action": "review"})
    pages = [
        alice.get(f"{P}/"), alice.get(f"{P}/{exercise_id}"), alice.get(f"{P}/assignments/{assignment_id}"),
        alice.get(f"/{ONE}/clients/{world.ids['carol']}/sections/exercises"),
        carol.get(f"{P}/mine"), carol.get(f"{P}/assignments/{assignment_id}"),
    ]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;" in text


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_its_pages_need_nothing_the_content_security_policy_forbids(app, world, answered, as_persona, who):
    exercise_id, assignment_id, _ids = answered
    visitor = as_persona(who, "en")
    urls = [f"{P}/assignments/{assignment_id}"] + ([f"{P}/", f"{P}/{exercise_id}"] if who == "alice" else [f"{P}/mine"])
    for url in urls:
        page = markup_of(visitor.get(url))
        assert all(s["src"] and not s["content"].strip() for s in page.scripts), url
        assert page.handlers == [] and page.styled == [] and page.style_elements == 0, url
        if "/assignments/" in url or url.endswith(f"/{exercise_id}"):
            assert "/static/js/exercises.js" in [s["src"] for s in page.scripts], url


def test_it_serves_its_script_and_stylesheet(app):
    client = app.test_client()
    for path in ("/static/js/exercises.js", "/static/css/exercises.css"):
        response = client.get(path)
        assert response.status_code == 200
        response.close()


def test_it_counts_answers_without_decrypting_them_for_an_open_exercise(app, world, answered):
    _exercise_id, assignment_id, _ids = answered
    with app.app_context(), use_practice(world.practices[ONE]):
        assignment = db.session.get(Assignment, assignment_id)
        assert services.answered_count(assignment) == len(GOOD_ANSWERS)
        assert [q.id for q in services.missing_questions(assignment)] == []
        assert db.session.scalar(select(Question.id).where(Question.version_id == assignment.version_id).limit(1))


def test_it_speaks_dutch_by_default(app, world, alice, as_persona):
    exercise_id = new_exercise(alice)
    add_question(alice, exercise_id, "scale", "Hoe gaat het?", scale_min="1", scale_max="3")
    assignment_id = assign(alice, world, exercise_id)
    client = as_persona("carol")
    page = client.get(f"{P}/assignments/{assignment_id}").get_data(as_text=True)
    assert "Mijn opdrachten" in page and "Inleveren" in page and "Te doen" in page
    qid = question_ids(app, world, exercise_id)["scale"]
    assert "Bewaard" in save(client, assignment_id, qid, {"value": "2"}).get_data(as_text=True)
    refused = save(client, assignment_id, qid, {"value": "9"}).get_data(as_text=True)
    assert "Kies een waarde van 1 tot en met 3." in refused and "Er is niets bewaard." in refused
    assert "Opdrachten" in as_persona("bob").get(f"{P}/").get_data(as_text=True)
