"""The instrument file format: built-ins, round trips, the README example and every located error."""
from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.assessments.instruments import (
    InstrumentError,
    builtin_ids,
    builtin_instruments,
    instrument_to_dict,
    instrument_to_json,
    parse_instrument,
    score,
)

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> dict[str, Any]:
    """The complete JSON example in the README's "Assessment instruments" section."""
    section = README.read_text("utf-8").split("## Assessment instruments", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block, "the README section has a JSON example"
    return json.loads(block.group(1))


def errors_of(document: dict[str, Any] | str | bytes) -> list[str]:
    """The messages parse_instrument refuses a document with."""
    with pytest.raises(InstrumentError) as refused:
        parse_instrument(document)
    return refused.value.errors


@pytest.fixture
def example() -> dict[str, Any]:
    return copy.deepcopy(readme_example())


def test_it_ships_the_two_builtins() -> None:
    assert builtin_ids() == ["competency-self-assessment", "ipip-bigfive-50"]


@pytest.mark.parametrize("instrument", builtin_instruments(), ids=lambda i: i.id)
def test_it_round_trips_every_builtin(instrument: Any) -> None:
    text = instrument_to_json(instrument)
    assert parse_instrument(text) == instrument
    assert parse_instrument(text.encode("utf-8")) == instrument
    assert parse_instrument(instrument_to_dict(instrument)) == instrument


def test_the_builtin_files_match_the_schema_and_say_their_source() -> None:
    schema = json.loads(resources.files("app.assessments").joinpath("instrument.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    folder = resources.files("app.assessments").joinpath("builtin")
    files = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    assert files == ["competency-self-assessment.json", "ipip-bigfive-50.json"]
    for name in files:
        document = json.loads(folder.joinpath(name).read_text("utf-8"))
        assert list(Draft202012Validator(schema).iter_errors(document)) == []
    ipip = json.loads(folder.joinpath("ipip-bigfive-50.json").read_text("utf-8"))
    assert "ipip.ori.org" in ipip["source"] and "Goldberg" in ipip["source"]
    assert "not a validated Dutch version" in ipip["translation_note"]["en"]


def test_the_readme_example_is_valid_and_scores_as_the_readme_says(example: dict[str, Any]) -> None:
    instrument = parse_instrument(example)
    assert score(instrument, [5, 2, 4, 3]) == {"W": 9, "R": 3.5}
    assert instrument.scale("W").band_for(9) == instrument.scale("W").bands[1]


def test_it_names_an_unknown_scale(example: dict[str, Any]) -> None:
    example["items"][2]["scale"] = "X"
    assert "item 3 (R1): unknown scale 'X'." in errors_of(example)


def test_it_names_duplicate_item_and_scale_ids(example: dict[str, Any]) -> None:
    example["items"][3]["id"] = "W1"
    example["scales"].append(copy.deepcopy(example["scales"][1]))
    errors = errors_of(example)
    assert "item 4 (W1): the id 'W1' is already used by item 1." in errors
    assert "scale 3 (R): the id 'R' is already used by scale 2." in errors


def test_it_names_a_bad_keying(example: dict[str, Any]) -> None:
    example["items"][1]["keying"] = "reverse"
    assert errors_of(example) == ["item 2 (W2): keying must be '+' or '-', not \"reverse\"."]


def test_it_names_a_missing_language(example: dict[str, Any]) -> None:
    del example["items"][0]["text"]["nl"]
    del example["title"]["en"]
    del example["scales"][0]["bands"][1]["description"]["nl"]
    assert errors_of(example) == [
        "The English (en) title is missing.",
        "item 1 (W1): the Dutch (nl) text is missing.",
        "scale 1 (W), band 2: the Dutch (nl) description is missing.",
    ]


def test_it_names_a_label_count_that_does_not_match_the_points(example: dict[str, Any]) -> None:
    example["response_scale"]["labels"]["nl"].pop()
    assert errors_of(example) == [
        "response scale: there are 5 points but 4 labels in 'nl'; give one label per point."
    ]


def test_it_refuses_points_that_do_not_go_up(example: dict[str, Any]) -> None:
    example["response_scale"]["points"] = [1, 2, 2, 4, 5]
    assert errors_of(example) == ["response scale: the points must go up, each one higher than the one before."]


def test_it_names_invalid_json_with_line_and_column() -> None:
    assert errors_of('{\n  "id": "x",\n  "version": ,\n}') == [
        "The file is not valid JSON: Expecting value at line 3, column 14."
    ]


def test_it_names_overlapping_bands_and_bands_outside_the_scores(example: dict[str, Any]) -> None:
    example["scales"][0]["bands"][1]["min"] = 5
    example["scales"][1]["bands"] = [{"min": 0, "max": 3, "description": {"nl": "Laag.", "en": "Low."}}]
    assert errors_of(example) == [
        "scale 1 (W): band 1 and band 2 overlap.",
        "scale 2 (R), band 1: 0-3 lies outside the possible scores 1-5 of this scale.",
    ]


def test_it_names_a_scale_without_items(example: dict[str, Any]) -> None:
    example["scales"].append({"id": "S", "name": {"nl": "Slaap", "en": "Sleep"}, "scoring": "sum"})
    assert errors_of(example) == ["scale 3 (S): no item belongs to this scale."]


def test_it_refuses_a_file_over_one_megabyte(example: dict[str, Any]) -> None:
    example["source"] = "x" * (1024 * 1024)
    errors = errors_of(json.dumps(example).encode("utf-8"))
    assert len(errors) == 1 and errors[0].startswith("The file is larger than 1 MB")


def test_it_refuses_something_other_than_an_object() -> None:
    assert errors_of("[1, 2]") == ["The file must hold one JSON object (an instrument), not a list or a single value."]


def test_it_reports_all_errors_at_once(example: dict[str, Any]) -> None:
    example["id"] = "Energy Check"
    example["version"] = 0
    example["surprise"] = True
    del example["licence"]
    example["items"][0]["keying"] = "x"
    example["items"][1]["scale"] = "Q"
    del example["items"][2]["text"]["en"]
    example["response_scale"]["labels"]["en"].append("Extra")
    example["scales"][0]["scoring"] = "median"
    assert errors_of(example) == [
        "The field 'licence' is missing.",
        "Unknown field 'surprise'.",
        (
            "The id 'Energy Check' is not allowed: use 2-61 lowercase letters, digits, dots, hyphens or "
            "underscores, starting with a letter or digit."
        ),
        "Version must be at least 1.",
        "item 1 (W1): keying must be '+' or '-', not \"x\".",
        "item 3 (R1): the English (en) text is missing.",
        "scale 1 (W): scoring must be 'sum' or 'mean', not \"median\".",
        "response scale: there are 5 points but 6 labels in 'en'; give one label per point.",
        "item 2 (W2): unknown scale 'Q'.",
    ]
