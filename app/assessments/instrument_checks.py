"""Checks of an instrument file: JSON Schema first, then what a schema cannot say.

Every problem becomes one plain English sentence that names its place the way people
count ("item 12 (E6): keying must be '+' or '-'"), and all of them are reported at once.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from app.assessments.instruments import MAX_FILE_BYTES, InstrumentError

FIELD_ORDER = (
    "$schema", "id", "version", "kind", "title", "instructions", "response_scale",
    "items", "scales", "source", "licence", "translation_note",
)
TYPE_WORDS = {
    "integer": "a whole number", "number": "a number", "string": "a text",
    "array": "a list", "object": "an object (a set of named fields)", "boolean": "true or false",
}


def decode_json(data: bytes | str) -> dict[str, Any]:
    """The decoded document, or InstrumentError for a file too large, not UTF-8 or not JSON."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw):,} bytes"
        raise InstrumentError([f"The file is larger than 1 MB ({size}); an instrument file must be smaller."])
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstrumentError(["The file is not UTF-8 text; save it as UTF-8 JSON."]) from None
    try:
        document = json.loads(decoded, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InstrumentError([f"The file is not valid JSON: {error.msg} at {where}."]) from None
    except ValueError as error:
        raise InstrumentError([f"The file is not valid JSON: {error}."]) from None
    if not isinstance(document, dict):
        raise InstrumentError(["The file must hold one JSON object (an instrument), not a list or a single value."])
    return document


def check_instrument(document: Mapping[str, Any]) -> list[str]:
    """Every problem of a decoded document as a located sentence (empty when it is valid)."""
    schema_errors = sorted(_validator().iter_errors(document), key=lambda e: _sort_key(e.absolute_path))
    messages = [_schema_message(document, error) for error in schema_errors]
    messages += _semantic_messages(document)
    return list(dict.fromkeys(messages))  # one sentence once, even if two checks agree


@cache
def _validator() -> Draft202012Validator:
    """The validator of instrument.schema.json, read once."""
    schema_text = resources.files("app.assessments").joinpath("instrument.schema.json").read_text("utf-8")
    schema = json.loads(schema_text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _refuse_constant(name: str) -> None:
    """JSON has no NaN or Infinity; Python's reader would let them in."""
    raise ValueError(f"{name} is not a number JSON allows")


def _sort_key(path: Sequence[str | int]) -> tuple[tuple[int, int | str], ...]:
    """Errors in file order: top-level fields in their usual order, list entries by index."""
    key: list[tuple[int, int | str]] = []
    for depth, part in enumerate(path):
        if depth == 0 and part in FIELD_ORDER:
            key.append((0, FIELD_ORDER.index(str(part))))
        elif isinstance(part, int):
            key.append((0, part))
        else:
            key.append((1, str(part)))
    return tuple(key)


def _entry_name(document: Mapping[str, Any], kind: str, index: int) -> str:
    """'item 12 (E6)': an entry of items/scales counted from 1, with its id when it has one."""
    entries = document.get(kind + "s")
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    return f"{kind} {index + 1} ({entry_id})" if isinstance(entry_id, str) and entry_id else f"{kind} {index + 1}"


def _place(document: Mapping[str, Any], path: Sequence[str | int]) -> tuple[str, str]:
    """Split a path into the place people know ('scale 2 (A), band 1') and the field ('description nl')."""
    parts = list(path)
    if len(parts) >= 2 and parts[0] in ("items", "scales") and isinstance(parts[1], int):
        place = _entry_name(document, str(parts[0])[:-1], parts[1])
        rest = parts[2:]
        if len(rest) >= 2 and rest[0] == "bands" and isinstance(rest[1], int):
            place += f", band {rest[1] + 1}"
            rest = rest[2:]
        return place, _field(rest)
    if parts and parts[0] in ("items", "scales"):
        return str(parts[0]), _field(parts[1:])
    if parts and parts[0] == "response_scale":
        return "response scale", _field(parts[1:])
    if parts:
        return str(parts[0]).replace("_", " "), _field(parts[1:])
    return "", ""


def _field(parts: Sequence[str | int]) -> str:
    """A field path in words: ['labels', 'nl', 2] -> 'labels nl, entry 3'."""
    words = []
    for part in parts:
        words.append(f"entry {part + 1}" if isinstance(part, int) else str(part).replace("_", " "))
    return " ".join(words).replace(" entry", ", entry")


def _schema_message(document: Mapping[str, Any], error: ValidationError) -> str:
    """One jsonschema error as a located sentence."""
    place, field = _place(document, list(error.absolute_path))
    if place and not field and not place.startswith(("item ", "scale ")):
        place, field = "", place  # a top-level field names itself: "version must be at least 1"
    problem = _problem(error, field)
    if not place:
        return problem[0].upper() + problem[1:] + "."
    return f"{place}: {problem}."


def _problem(error: ValidationError, field: str) -> str:
    """What is wrong, in words, for the common kinds of schema error."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    subject = field or "this entry"
    if kind == "required":
        name = _missing_name(error)
        if name in ("nl", "en"):
            language = "Dutch (nl)" if name == "nl" else "English (en)"
            word = field.split(" ")[-1] if field else "text"
            return f"the {language} {word} {'are' if word.endswith('s') else 'is'} missing"
        return f"{field}: the field '{name}' is missing" if field else f"the field '{name}' is missing"
    if kind == "pattern" and "propertyNames" in error.relative_schema_path:
        return f"{subject}: '{value}' is not a two-letter language code such as 'nl' or 'en'"
    if kind == "enum":
        choices = [f"'{choice}'" for choice in expected]
        listed = " or ".join(choices) if len(choices) <= 2 else ", ".join(choices[:-1]) + " or " + choices[-1]
        return f"{subject} must be {listed}, not {json.dumps(value, ensure_ascii=False)}"
    if kind == "type":
        return f"{subject} must be {TYPE_WORDS.get(str(expected), str(expected))}"
    if kind == "pattern":
        return f"{'the id' if field == 'id' else subject} '{value}' {_pattern_hint(field)}"
    if kind == "minimum":
        return f"{subject} must be at least {expected}"
    if kind == "minItems":
        return f"{subject} must have at least {expected} entr{'y' if expected == 1 else 'ies'}"
    if kind == "maxItems":
        return f"{subject} may have at most {expected} entries"
    if kind == "minLength":
        return f"{subject} must not be empty"
    if kind == "maxLength":
        return f"{subject} is longer than {expected} characters"
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in value if name not in known) if isinstance(value, dict) else []
        names = ", ".join(f"'{name}'" for name in extra)
        prefix = f"{field}: " if field else ""
        return f"{prefix}unknown field{'s' if len(extra) > 1 else ''} {names}"
    return f"{subject}: {error.message}"


def _missing_name(error: ValidationError) -> str:
    """The property a 'required' error is about (jsonschema yields one error per missing name)."""
    quoted = error.message.removesuffix(" is a required property")
    try:
        name = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return quoted
    return str(name)


def _pattern_hint(field: str) -> str:
    """Why an id was refused."""
    if field == "id":
        return (
            "is not allowed: use 2-61 lowercase letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit"
        )
    return (
        "is not allowed: use letters, digits, dots, hyphens or underscores (at most 41), "
        "starting with a letter or digit"
    )


def _semantic_messages(document: Mapping[str, Any]) -> list[str]:
    """The checks a JSON Schema cannot express, on whatever parts are well-formed."""
    items = [i for i in _list(document, "items")]
    scales = [s for s in _list(document, "scales")]
    messages = list(_response_scale_messages(document.get("response_scale")))
    messages += _duplicates(document, "item", items)
    messages += _duplicates(document, "scale", scales)
    scale_ids = {s["id"] for s in scales if isinstance(s, dict) and isinstance(s.get("id"), str)}
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("scale"), str) and item["scale"] not in scale_ids:
            messages.append(f"{_entry_name(document, 'item', index)}: unknown scale '{item['scale']}'.")
    for index, scale in enumerate(scales):
        if isinstance(scale, dict):
            messages += _scale_messages(document, index, scale, items)
    return messages


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    """A list field, or an empty list when the schema check already refused it."""
    value = document.get(key)
    return value if isinstance(value, list) else []


def _points(document: Mapping[str, Any]) -> list[int] | None:
    """The response points when they are whole numbers going up, else None."""
    response = document.get("response_scale")
    points = response.get("points") if isinstance(response, dict) else None
    if not isinstance(points, list) or len(points) < 2:
        return None
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in points):
        return None
    return points if all(a < b for a, b in pairwise(points)) else None


def _response_scale_messages(response: Any) -> Iterator[str]:
    """Points going up, and one label per point in every language."""
    if not isinstance(response, dict):
        return
    points, labels = response.get("points"), response.get("labels")
    if not isinstance(points, list):
        return
    whole = all(isinstance(p, int) for p in points)
    if whole and any(a >= b for a, b in pairwise(points)):
        yield "response scale: the points must go up, each one higher than the one before."
    for lang, names in labels.items() if isinstance(labels, dict) else ():
        if isinstance(names, list) and len(names) != len(points):
            yield (
                f"response scale: there are {len(points)} points but {len(names)} labels in '{lang}'; "
                "give one label per point."
            )


def _duplicates(document: Mapping[str, Any], kind: str, entries: list[Any]) -> Iterator[str]:
    """An id used twice among the items or among the scales."""
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, str):
            continue
        if entry_id in first:
            where = _entry_name(document, kind, index)
            yield f"{where}: the id '{entry_id}' is already used by {kind} {first[entry_id] + 1}."
        else:
            first[entry_id] = index


def _scale_messages(document: Mapping[str, Any], index: int, scale: dict[str, Any], items: list[Any]) -> list[str]:
    """A scale without items; bands reversed, overlapping or outside the possible scores."""
    name = _entry_name(document, "scale", index)
    count = sum(1 for item in items if isinstance(item, dict) and item.get("scale") == scale.get("id"))
    if count == 0:
        return [f"{name}: no item belongs to this scale."]
    points, bands = _points(document), scale.get("bands")
    if points is None or not isinstance(bands, list) or scale.get("scoring") not in ("sum", "mean"):
        return []
    low, high = (points[0] * count, points[-1] * count) if scale["scoring"] == "sum" else (points[0], points[-1])
    messages: list[str] = []
    numbered = [
        (number, band["min"], band["max"])
        for number, band in enumerate(bands, start=1)
        if isinstance(band, dict) and _is_number(band.get("min")) and _is_number(band.get("max"))
    ]
    for number, band_min, band_max in numbered:
        if band_min > band_max:
            messages.append(f"{name}, band {number}: min {band_min:g} is higher than max {band_max:g}.")
        elif band_min < low or band_max > high:
            messages.append(
                f"{name}, band {number}: {band_min:g}-{band_max:g} lies outside "
                f"the possible scores {low:g}-{high:g} of this scale."
            )
    ordered = sorted((b for b in numbered if b[1] <= b[2]), key=lambda b: (b[1], b[2]))
    for (first, _, first_max), (second, second_min, _) in pairwise(ordered):
        if second_min <= first_max:
            one, other = sorted((first, second))
            messages.append(f"{name}: band {one} and band {other} overlap.")
    return messages


def _is_number(value: Any) -> bool:
    """A JSON number (not true/false)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
