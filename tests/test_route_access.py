"""Every route, as every persona: the status each gets, taken from the URL map so none is forgotten."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask import url_for

import tests.route_access as registry
from app.accounts import services as accounts
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import ONE, Visitor
from tests.route_access import PERSONA_NAMES

MODULES = sorted(info.name for info in pkgutil.iter_modules(registry.__path__))


def _module(name: str):
    return importlib.import_module(f"tests.route_access.{name}")


def test_it_declares_the_expected_access_of_every_route(app):
    declared = {(r.endpoint, r.method) for name in MODULES for r in _module(name).ROUTES}
    actual = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(actual - declared)
    assert not missing, f"routes without an access expectation in tests/route_access/: {missing}"
    assert not sorted(declared - actual), "tests/route_access/ names routes that do not exist"


# Names are shown on almost every page: with these, every page the walker opens is also an XSS check.
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _give_people_hostile_names(app, world) -> None:
    with app.app_context(), use_practice(world.practices[ONE]):
        for persona in ("alice", "carol"):
            user = accounts.user_by_id(world.ids[persona])
            user.last_name = XSS
            user.address = XSS
        db.session.commit()


@pytest.mark.parametrize("persona", PERSONA_NAMES)
@pytest.mark.parametrize("module_name", MODULES)
def test_it_answers_each_persona_as_expected(app, world, module_name, persona):
    module = _module(module_name)
    _give_people_hostile_names(app, world)
    ids = module.setup(app, world)
    visitor = Visitor(app.test_client())
    if persona != "anonymous":
        visitor.login(persona)
    failures = []
    for route in sorted(module.ROUTES, key=lambda r: r.method != "GET"):
        values = route.values(ids)
        with app.test_request_context():
            url = url_for(route.endpoint, **({"practice": ONE} if route.in_practice else {}), **values)
        if route.method == "GET":
            response = visitor.get(url)
        else:
            response = visitor.post(url, dict(route.data or {}))
        expected = route.expect[persona]
        allowed = expected if isinstance(expected, set) else {expected}
        if response.status_code not in allowed:
            failures.append(f"{route.method} {url}: {response.status_code}, expected {sorted(allowed)}")
        assert response.status_code != 500, f"{route.method} {url} failed with 500 for {persona}"
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, (
            f"{route.method} {url} shows a name unescaped"
        )
    assert not failures, f"as {persona}:\n" + "\n".join(failures)
