"""GET /healthz: what a load balancer or monitor sees, without any practice's data being touched."""
from __future__ import annotations

from pathlib import Path

from app import __version__
from app.tenancy import migrations


def practice_files(instance: Path) -> dict[str, tuple[int, int]]:
    """Every file of every practice and every key, with its modification time and size."""
    found = {}
    for folder in (instance / "tenants", instance / "keys"):
        for path in folder.rglob("*"):
            info = path.stat()
            found[str(path.relative_to(instance))] = (info.st_mtime_ns, info.st_size)
    return found


def test_it_answers_with_version_schema_and_number_of_practices(app, visitor):
    response = visitor.get("/healthz")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "status": "ok",
        "version": __version__,
        "schema_version": migrations.schema_version(),
        "practices": 2,
    }


def test_it_counts_no_practices_on_a_fresh_instance(bare_app):
    response = bare_app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json()["practices"] == 0


def test_it_touches_no_practice_file(app, instance):
    before = practice_files(instance)
    assert any(name.endswith(".sqlite") for name in before)

    for _ in range(3):
        assert app.test_client().get("/healthz").status_code == 200

    assert practice_files(instance) == before


def test_it_creates_no_practice_file_on_a_fresh_instance(bare_app, instance):
    before = practice_files(instance)

    bare_app.test_client().get("/healthz")

    assert practice_files(instance) == before
    assert not list((instance / "tenants").iterdir())


def test_it_needs_no_sign_in_and_sets_no_cookie(app):
    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
