"""`flask assessments score INSTRUMENT --answers 5,4,3,...`: score a paper administration."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.assessments.instruments import (
    AnswerError,
    InstrumentError,
    load_instrument,
    score,
)

assessments_cli = AppGroup("assessments", help="Work with assessment instruments.")


@assessments_cli.command("score")
@click.argument("instrument")
@click.option("--answers", required=True, help="The answers in item order, separated by commas: 5,4,3,...")
def score_command(instrument: str, answers: str) -> None:
    """Print the scale scores of INSTRUMENT (a built-in id or a JSON file) as JSON."""
    try:
        loaded = load_instrument(instrument)
    except InstrumentError as error:
        raise click.ClickException(" ".join(error.errors)) from None
    values = [value.strip() for value in answers.split(",")]
    try:
        scores = score(loaded, values)
    except AnswerError as error:
        raise click.ClickException(" ".join(error.errors)) from None
    result = {"instrument": loaded.id, "version": loaded.version, "scores": scores}
    click.echo(json.dumps(result, ensure_ascii=False))
