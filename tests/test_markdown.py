"""Markdown written by coaches: formatted, and never able to run script."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.exercises import builder, services
from app.extensions import db
from app.tenancy.context import use_practice
from app.web.markdown import render_markdown
from tests.conftest import ONE


def test_it_formats_the_usual_markdown():
    html = str(render_markdown("Lees **eerst** dit:\n\n- een\n- twee\n\n[site](https://example.org)"))
    assert "<strong>eerst</strong>" in html
    assert "<li>een</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[klik](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=https://example.org></iframe>",
        '<p style="position:fixed">x</p>',
    ],
)
def test_it_removes_anything_that_could_run_or_restyle(payload):
    html = str(render_markdown(payload))
    for bad in ("<script", "onerror", "javascript:", "onclick", "<iframe", "style=", "<img"):
        assert bad not in html, (payload, html)


def test_it_keeps_page_headings_for_the_page():
    assert "<h1>" not in str(render_markdown("# Kop"))
    assert "<h3>Kop</h3>" in str(render_markdown("### Kop"))


def test_it_renders_instructions_as_markdown_on_the_clients_exercise(app, world, as_persona):
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        exercise = builder.create_exercise(alice, "Waarden", "Kies **drie** waarden.<script>alert(1)</script>")
        builder.add_question(alice, exercise, MultiDict({"kind": "short_text", "prompt": "Welke?"}))
        assignment = services.assign_exercise(alice, carol, exercise.id)
        db.session.commit()
        assignment_id = assignment.id
    page = as_persona("carol", lang="en").get(f"/{ONE}/exercises/assignments/{assignment_id}").get_data(as_text=True)
    assert "<strong>drie</strong>" in page
    assert "<script>alert(1)</script>" not in page
