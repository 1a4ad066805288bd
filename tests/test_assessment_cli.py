"""`flask assessments score`: scoring a paper administration from the terminal."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from app.assessments.instruments import instrument_to_json, load_builtin


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["assessments", "score", *args])


@pytest.fixture
def app(bare_app: Flask) -> Flask:
    """No practices needed: scoring a paper administration touches no database."""
    return bare_app


def test_it_prints_the_scores_of_a_builtin_as_json(app: Flask) -> None:
    result = run(app, "ipip-bigfive-50", "--answers", ",".join(["1", "2", "3", "4", "5"] * 10))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "instrument": "ipip-bigfive-50",
        "version": 1,
        "scores": {"E": 30, "A": 28, "C": 30, "ES": 24, "I": 38},
    }


def test_it_scores_an_instrument_file_and_allows_spaces(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "competencies.json"
    path.write_text(instrument_to_json(load_builtin("competency-self-assessment")), "utf-8")
    result = run(app, str(path), "--answers", "5, 4, 4, " + ", ".join(["3"] * 18))
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)["scores"]
    assert scores["communication"] == 4.33 and scores["self-leadership"] == 3.0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (",".join(["3"] * 49), "Error: Expected 50 answers, got 49."),
        (",".join(["3"] * 11 + ["7"] + ["3"] * 38), "Error: Answer 12: 7 is outside the scale 1-5."),
        (",".join(["3"] * 4 + ["three"] + ["3"] * 45), "Error: Answer 5: 'three' is not a whole number."),
        (",".join(["3"] * 4 + [""] + ["3"] * 45), "Error: Answer 5: '' is not a whole number."),
    ],
)
def test_it_refuses_bad_answers_with_one_line(app: Flask, answers: str, message: str) -> None:
    result = run(app, "ipip-bigfive-50", "--answers", answers)
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [message]


def test_it_refuses_an_unknown_instrument(app: Flask) -> None:
    result = run(app, "no-such-thing", "--answers", "1,2")
    assert result.exit_code != 0
    assert "'no-such-thing' is neither a built-in instrument" in result.output


def test_it_refuses_a_broken_instrument_file(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "broken",', "utf-8")
    result = run(app, str(path), "--answers", "1")
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: The file is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 17."
    )


def test_it_needs_the_answers(app: Flask) -> None:
    result = run(app, "ipip-bigfive-50")
    assert result.exit_code != 0 and "--answers" in result.output
