"""Routes of the assessments package."""
from __future__ import annotations

import json

from app.accounts import services as accounts
from app.assessments import raters
from app.assessments import services as assessments
from app.extensions import db
from app.tenancy.context import use_practice
from tests.route_access import Route, everyone, for_roles, own_client_expectations

ONE = "praktijk-een"


def small_instrument(instrument_id: str = "route-check", items: int = 2) -> dict:
    """A tiny valid instrument file."""
    texts = {"nl": "Tekst", "en": "Text"}
    return {
        "id": instrument_id, "version": 1, "kind": "other", "title": texts, "instructions": texts,
        "response_scale": {"points": [1, 2, 3], "labels": {"nl": ["a", "b", "c"], "en": ["a", "b", "c"]}},
        "items": [{"id": f"i{n}", "text": texts, "scale": "s", "keying": "+"} for n in range(1, items + 1)],
        "scales": [{"id": "s", "name": texts, "scoring": "sum"}],
        "source": "Test", "licence": "Public domain",
    }


def setup(app, world) -> dict[str, int]:
    """An imported instrument, and two results of carol's plus an open one, and a competency one with a rater."""
    with app.test_request_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        assessments.import_instrument(alice, json.dumps(small_instrument()).encode())
        ids = {}
        for name in ("first", "second", "open"):
            assignment = assessments.assign(alice, carol, "route-check")
            if name != "open":
                assessments.save_answers(carol, assignment, {"a-i1": "1", "a-i2": "3"})
                assessments.submit(carol, assignment)
            ids[name] = assignment.id
        # 360-degree feedback: a competency questionnaire with one invited rater (a hostile name) and their link.
        competency = assessments.assign(alice, carol, "competency-self-assessment")
        _rater, token = raters.invite(alice, competency, '<script>alert("x")</script><img src=x onerror=alert(1)>',
                                      "rater@example.test", "colleague")
        db.session.commit()
        return {"carol": carol.id, **ids, "competency": competency.id, "token": token}


def _client(ids: dict[str, int]) -> dict[str, object]:
    return {"client_id": ids["carol"]}


def _open(page: int = 1):
    return lambda ids: {"assignment_id": ids["open"], "page": page}


def _competency(ids: dict[str, int]) -> dict[str, object]:
    return {"assignment_id": ids["competency"]}


def _token(ids: dict[str, int]) -> dict[str, object]:
    return {"token": ids["token"]}


def _first(ids: dict[str, int]) -> dict[str, object]:
    return {"assignment_id": ids["first"]}


# The client's own pages: coaches and admins are refused by role, another client finds nothing.
own_only = {**own_client_expectations(coach=403, client=200), "bob": 403, "admin": 403}
coach_only = {**own_client_expectations(coach=303, client=403), "dave": 403, "admin": 403}
readers = {**own_client_expectations(coach=200, client=200), "admin": 403}

ROUTES = [
    Route("practice.assessments.instruments", expect=for_roles(coach=200, client=403, admin=200)),
    Route("practice.assessments.export", values=lambda ids: {"instrument_id": "route-check"},
          expect=for_roles(coach=200, client=403, admin=200)),
    Route("practice.assessments.export", values=lambda ids: {"instrument_id": "no-such-thing"},
          expect=for_roles(coach=404, client=403, admin=404)),
    Route("practice.assessments.mine", expect=for_roles(coach=403, client=200, admin=403)),
    Route("practice.assessments.assign", values=_client,
          expect={**own_client_expectations(coach=200, client=403), "dave": 403, "admin": 403}),
    Route("practice.assessments.show", values=_first, expect=readers),
    # The client resumes where they stopped (a redirect to the page); the coach sees it is not submitted yet.
    Route("practice.assessments.show", values=lambda ids: {"assignment_id": ids["open"]},
          expect={**own_client_expectations(coach=200, client=303), "admin": 403}),
    Route("practice.assessments.take", values=_open(), expect=own_only),
    Route("practice.assessments.compare", values=lambda ids: {"first_id": ids["first"], "second_id": ids["second"]},
          expect=readers),
    Route("practice.assessments.import_instrument", "POST", expect=for_roles(coach=403, client=403, admin=422)),
    Route("practice.assessments.assign", "POST", values=_client, data={"instrument_id": "route-check"},
          expect=coach_only),
    Route("practice.assessments.save", "POST", values=_open(), data={"a-i1": "2"},
          expect={**own_only, "carol": 303}),
    Route("practice.assessments.save", "POST", values=_open(), data={"a-i1": "9"},
          expect={**own_only, "carol": 422}),
    Route("practice.assessments.note", "POST", values=_first, data={"note": "Goed gesprek"},
          expect={**own_client_expectations(coach=303, client=403), "dave": 403, "admin": 403}),
    # Incomplete: one item is still missing.
    Route("practice.assessments.submit", "POST", values=lambda ids: {"assignment_id": ids["open"]},
          expect={**own_only, "carol": 422}),
    Route("practice.assessments.submit", "POST", values=_first, expect={**own_only, "carol": 409}),
    # 360-degree feedback: the client and her coaches manage raters; not for other instruments.
    Route("practice.assessments.raters_page", values=_competency, expect=readers),
    Route("practice.assessments.raters_page", values=_first,
          expect={**own_client_expectations(coach=404, client=404), "admin": 403}),
    Route("practice.assessments.invite_rater", "POST", values=_competency,
          data={"name": "Ria", "email": "ria@example.test", "relation": "manager"},
          expect={**own_client_expectations(coach=303, client=303), "admin": 403}),
    Route("practice.assessments.invite_rater", "POST", values=_competency,
          data={"name": "", "email": "no-address", "relation": "boss"},
          expect={**own_client_expectations(coach=422, client=422), "admin": 403}),
    # The rater's own link: anyone holding it reaches the form, signed in or not; a tampered answer changes nothing.
    Route("practice.assessments.rate", values=_token, expect=everyone(200)),
    Route("practice.assessments.rate", "POST", values=_token, data={"a-communication-1": "9"}, expect=everyone(422)),
    Route("practice.assessments.rate", values=lambda ids: {"token": "not-a-real-token"}, expect=everyone(404)),
    Route("practice.assessments.close_raters", "POST", values=_competency,
          expect={**own_client_expectations(coach=303, client=303), "admin": 403}),
]
