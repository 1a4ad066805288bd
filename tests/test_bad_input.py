"""Every route answers nonsense with a 4xx (or a normal page), never with a 500."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask import url_for

import tests.route_access as registry
from tests.conftest import ONE, Visitor

MODULES = sorted(info.name for info in pkgutil.iter_modules(registry.__path__))
NONSENSE = ["", "\x00", "-1", "99999999999999999999", "2026-02-30", "<script>alert(1)</script>", "x" * 30_000, "🙂"]
FIELDS = [
    "title", "body", "text", "value", "note", "feedback", "date", "due_date", "starts_on", "planned_end_on",
    "status", "kind", "mood", "duration", "exercise_id", "template_id", "programme_id", "coaches", "exercises",
    "revision", "direction", "unlock", "unlock_on", "offset_days", "email", "first_name", "last_name",
    "prompt", "options", "min", "max", "shared", "visibility", "type", "occurred_on", "locale", "q", "page",
]


@pytest.mark.parametrize("persona", ["alice", "carol"])
@pytest.mark.parametrize("module_name", MODULES)
def test_it_never_fails_with_a_500_on_nonsense(app, world, module_name, persona):
    module = importlib.import_module(f"tests.route_access.{module_name}")
    ids = module.setup(app, world)
    visitor = Visitor(app.test_client())
    visitor.login(persona)
    # Logging out halfway would hide the later routes; it has its own tests.
    routes = [r for r in module.ROUTES if r.endpoint != "practice.accounts.logout"]
    failures = []
    for route in routes:
        with app.test_request_context():
            url = url_for(route.endpoint, **({"practice": ONE} if route.in_practice else {}), **route.values(ids))
        for junk in NONSENSE:
            if route.method == "GET":
                response = visitor.get(url, query_string={"page": junk, "q": junk, "status": junk, "filter": junk})
            else:
                data = {field: junk for field in FIELDS} | {k: junk for k in (route.data or {})}
                response = visitor.post(url, data)
                htmx = visitor.htmx("POST", url, data)
                if htmx.status_code >= 500:
                    failures.append(f"htmx POST {url} with {junk[:12]!r}: {htmx.status_code}")
            if response.status_code >= 500:
                failures.append(f"{route.method} {url} with {junk[:12]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
