"""Routes of the exercises package: the library and builder (coaches), answering (the client), review."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.exercises import builder, services
from app.extensions import db
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """An exercise with one question, given by alice to carol (open, nothing answered yet)."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        exercise = builder.create_exercise(alice, "Waarden", "Denk na over wat je drijft.")
        question = builder.add_question(alice, exercise, MultiDict({"kind": "short_text", "prompt": "Wat drijft je?"}))
        assignment = services.assign_exercise(alice, carol, exercise.id)
        db.session.commit()
        return {"exercise": exercise.id, "question": question.id, "assignment": assignment.id, "carol": carol.id}


_coaches = lambda status: for_roles(status, 403, 403)
_exercise = lambda ids: {"exercise_id": ids["exercise"]}
_question = lambda ids: {"exercise_id": ids["exercise"], "question_id": ids["question"]}
_assignment = lambda ids: {"assignment_id": ids["assignment"]}
_answer = lambda ids: {"assignment_id": ids["assignment"], "question_id": ids["question"]}


def _carols_coach(coach: int) -> dict[str, int | set[int]]:
    """Coach-only actions on carol's assignment: her coach gets `coach`, bob 404, clients and admin 403."""
    return {**own_client_expectations(coach=coach, client=403), "dave": 403, "admin": 403}


def _carol_herself(client: int) -> dict[str, int | set[int]]:
    """Client-only actions on carol's assignment: coaches and admin 403, dave 404."""
    return {**own_client_expectations(coach=403, client=client), "bob": 403, "admin": 403}


ROUTES = [
    # The library and the builder: shared by every coach of the practice.
    Route("practice.exercises.index", expect=_coaches(200)),
    Route("practice.exercises.show", values=_exercise, expect=_coaches(200)),
    Route("practice.exercises.questions", values=_exercise, expect=_coaches(303)),  # a browser gets the page
    Route("practice.exercises.create", "POST", data={"title": ""}, expect=_coaches(422)),
    Route("practice.exercises.details", "POST", values=_exercise, data={"title": ""}, expect=_coaches(422)),
    Route("practice.exercises.add_question", "POST", values=_exercise, data={"kind": "nonsense"}, expect=_coaches(422)),
    Route("practice.exercises.update_question", "POST", values=_question, data={"prompt": ""}, expect=_coaches(422)),
    Route("practice.exercises.move_question", "POST", values=_question, data={"direction": "down"}, expect=_coaches(303)),
    # Giving an exercise: only to one's own clients.
    Route("practice.exercises.assign", "POST", values=_exercise, data={}, expect=_coaches(422)),
    Route("practice.exercises.assign_to_client", values=lambda ids: {"client_id": ids["carol"]}, expect=_carols_coach(200)),
    Route("practice.exercises.assign_to_client", "POST", values=lambda ids: {"client_id": ids["carol"]}, data={},
          expect=_carols_coach(422)),
    # The client's own pages.
    Route("practice.exercises.mine", expect=for_roles(403, 200, 403)),
    Route("practice.exercises.assignment", values=_assignment,
          expect={**own_client_expectations(coach=200, client=200), "admin": 403}),
    Route("practice.exercises.save_answer", "POST", values=_answer, data={"value": "Vrijheid", "revision": "0"},
          expect=_carol_herself(303)),
    Route("practice.exercises.submit", "POST", values=_assignment, expect=_carol_herself(303)),
    # The coach's review (the assignment is still open for them: feedback is refused).
    Route("practice.exercises.feedback", "POST", values=_assignment, data={"overall": "Goed"}, expect=_carols_coach(422)),
    Route("practice.exercises.reopen", "POST", values=_assignment, expect=_carols_coach(303)),
    # Last: these change the builder's question and the library.
    Route("practice.exercises.remove_question", "POST", values=_question, expect=_coaches(303)),
    Route("practice.exercises.archive", "POST", values=_exercise, expect=_coaches(303)),
]
