"""Assessment instruments: the open file format, its validation, built-ins and scoring.

An instrument is one versioned JSON file (see README, "Assessment instruments", and
``instrument.schema.json`` beside this module). This module is pure: no database, no
request, so routes, jobs and the ``flask assessments score`` command share one scorer.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

LANGUAGES: tuple[str, ...] = ("nl", "en")
MAX_FILE_BYTES = 1024 * 1024
KINDS: tuple[str, ...] = ("personality", "interests", "competency", "other")

Keying = Literal["+", "-"]
Scoring = Literal["sum", "mean"]
Texts = dict[str, str]
Scores = dict[str, float]


class InstrumentError(ValueError):
    """A refused instrument file; ``errors`` holds every located message, in file order."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("; ".join(self.errors))


class AnswerError(ValueError):
    """Answers that cannot be scored; ``errors`` holds one plain sentence per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("; ".join(self.errors))


ScoringError = AnswerError  # the name in the first draft of this API


@dataclass(frozen=True)
class Band:
    """A score band of a scale with a neutral description per language."""

    min: float
    max: float
    description: Texts

    def contains(self, value: float) -> bool:
        """Whether a scale score falls inside this band (both ends included)."""
        return self.min <= value <= self.max


@dataclass(frozen=True)
class ResponseScale:
    """The answer points (ascending integers) and their label per language."""

    points: tuple[int, ...]
    labels: dict[str, tuple[str, ...]]

    @property
    def low(self) -> int:
        """The lowest point."""
        return self.points[0]

    @property
    def high(self) -> int:
        """The highest point."""
        return self.points[-1]

    def label(self, point: int, lang: str) -> str:
        """The label of one point in a language (English when the language is missing)."""
        labels = self.labels.get(lang) or self.labels["en"]
        return labels[self.points.index(point)]


@dataclass(frozen=True)
class Item:
    """One statement the person answers; ``keying`` "-" means it is scored reversed."""

    id: str
    text: Texts
    scale: str
    keying: Keying

    def keyed(self, answer: int, response: ResponseScale) -> int:
        """The answer as it counts for the scale: reversed (low+high-answer) when minus-keyed."""
        return answer if self.keying == "+" else response.low + response.high - answer


@dataclass(frozen=True)
class Scale:
    """A scale (or competency) scored as the sum or mean of its keyed items."""

    id: str
    name: Texts
    scoring: Scoring
    bands: tuple[Band, ...] = ()

    def band_for(self, value: float) -> Band | None:
        """The band a score falls in, or None when the scale has no band for it."""
        return next((band for band in self.bands if band.contains(value)), None)


@dataclass(frozen=True)
class Instrument:
    """A validated instrument: what people read, how they answer, and how it is scored."""

    id: str
    version: int
    kind: str
    title: Texts
    instructions: Texts
    response_scale: ResponseScale
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    source: str
    licence: str
    translation_note: Texts | None = None

    def scale(self, scale_id: str) -> Scale:
        """The scale with this id (KeyError when unknown)."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError when unknown)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_of(self, scale_id: str) -> tuple[Item, ...]:
        """The items of one scale, in administration order."""
        return tuple(item for item in self.items if item.scale == scale_id)

    def score_range(self, scale_id: str) -> tuple[float, float]:
        """The lowest and highest possible score of a scale."""
        scale, count = self.scale(scale_id), len(self.items_of(scale_id))
        low, high = self.response_scale.low, self.response_scale.high
        if scale.scoring == "sum":
            return low * count, high * count
        return float(low), float(high)


def text(texts: Mapping[str, str], lang: str) -> str:
    """The text in a language, falling back to English, then to any language present."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def parse_instrument(data: bytes | str | Mapping[str, Any]) -> Instrument:
    """Validate an instrument file (JSON bytes/str, or a decoded dict); InstrumentError lists every problem."""
    from app.assessments.instrument_checks import check_instrument, decode_json

    document = decode_json(data) if isinstance(data, (bytes, str)) else dict(data)
    errors = check_instrument(document)
    if errors:
        raise InstrumentError(errors)
    return _build(document)


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """The instrument as a plain dict in the file format (what parse_instrument accepts)."""
    document: dict[str, Any] = {
        "id": instrument.id,
        "version": instrument.version,
        "kind": instrument.kind,
        "title": dict(instrument.title),
        "instructions": dict(instrument.instructions),
        "response_scale": {
            "points": list(instrument.response_scale.points),
            "labels": {lang: list(v) for lang, v in instrument.response_scale.labels.items()},
        },
        "items": [
            {"id": i.id, "text": dict(i.text), "scale": i.scale, "keying": i.keying}
            for i in instrument.items
        ],
        "scales": [_scale_to_dict(scale) for scale in instrument.scales],
        "source": instrument.source,
        "licence": instrument.licence,
    }
    if instrument.translation_note:
        document["translation_note"] = dict(instrument.translation_note)
    return document


def instrument_to_json(instrument: Instrument) -> str:
    """The instrument as a JSON file text (UTF-8, indented, ends with a newline)."""
    return json.dumps(instrument_to_dict(instrument), ensure_ascii=False, indent=2) + "\n"


def builtin_ids() -> list[str]:
    """The ids of the instruments that ship with Koers, sorted."""
    return sorted(instrument.id for instrument in builtin_instruments())


def builtin_instruments() -> tuple[Instrument, ...]:
    """Every built-in instrument, parsed once per process."""
    return _load_builtins()


def load_builtin(instrument_id: str) -> Instrument:
    """The built-in instrument with this id (KeyError when there is none)."""
    for instrument in builtin_instruments():
        if instrument.id == instrument_id:
            return instrument
    raise KeyError(instrument_id)


def load_instrument(reference: str) -> Instrument:
    """A built-in by id, else a JSON file by path (InstrumentError when neither works)."""
    try:
        return load_builtin(reference)
    except KeyError:
        pass
    path = Path(reference)
    if not path.is_file():
        known = ", ".join(builtin_ids())
        raise InstrumentError([f"'{reference}' is neither a built-in instrument ({known}) nor a file."])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InstrumentError(["The file is larger than 1 MB."])
    return parse_instrument(path.read_bytes())


def check_answer(instrument: Instrument, item_id: str, value: object) -> int:
    """One answer as a point of the scale; AnswerError for an unknown item or a value off the scale."""
    try:
        number = instrument.items.index(instrument.item(item_id)) + 1
    except KeyError:
        raise AnswerError([f"There is no item '{item_id}' in this instrument."]) from None
    return _point(instrument, f"answer {number}", value)


def missing_items(instrument: Instrument, answers: Mapping[str, object]) -> list[Item]:
    """The items without an answer, in administration order."""
    return [item for item in instrument.items if answers.get(item.id) in (None, "")]


def score(instrument: Instrument, answers: Mapping[str, object] | Sequence[object]) -> Scores:
    """Scale scores from answers by item id or in item order; a sum is an int, a mean 2 decimals (half up)."""
    points = _answer_points(instrument, answers)
    scores: Scores = {}
    for scale in instrument.scales:
        keyed = [
            item.keyed(points[item.id], instrument.response_scale)
            for item in instrument.items_of(scale.id)
        ]
        total = sum(keyed)
        scores[scale.id] = total if scale.scoring == "sum" else _mean(total, len(keyed))
    return scores


def _mean(total: int, count: int) -> float:
    """A mean rounded half up to two decimals (2.125 -> 2.13), as people round by hand."""
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _answer_points(instrument: Instrument, answers: Mapping[str, object] | Sequence[object]) -> dict[str, int]:
    """Check all answers at once and map item id to point; AnswerError lists every problem."""
    items = instrument.items
    if isinstance(answers, Mapping):
        unknown = [key for key in answers if key not in {item.id for item in items}]
        errors = [f"There is no item '{key}' in this instrument." for key in unknown]
        missing = missing_items(instrument, answers)
        if missing:
            numbers = ", ".join(_item_place(instrument, item) for item in missing)
            errors.append(f"These items have no answer yet: {numbers}.")
        if errors:
            raise AnswerError(errors)
        ordered: list[object] = [answers[item.id] for item in items]
    else:
        if isinstance(answers, (str, bytes)) or len(answers) != len(items):
            count = 1 if isinstance(answers, (str, bytes)) else len(answers)
            raise AnswerError([f"Expected {len(items)} answers, got {count}."])
        ordered = list(answers)
    points: dict[str, int] = {}
    errors = []
    for number, (item, value) in enumerate(zip(items, ordered), start=1):
        try:
            points[item.id] = _point(instrument, f"answer {number}", value)
        except AnswerError as error:
            errors.extend(error.errors)
    if errors:
        raise AnswerError(errors)
    return points


def _point(instrument: Instrument, place: str, value: object) -> int:
    """One value as a point of the response scale, or AnswerError naming its place."""
    response = instrument.response_scale
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise AnswerError([f"{place.capitalize()}: '{value}' is not a whole number."])
    if value not in response.points:
        span = f"{response.low}-{response.high}"
        raise AnswerError([f"{place.capitalize()}: {value} is outside the scale {span}."])
    return value


def _item_place(instrument: Instrument, item: Item) -> str:
    """An item named as people count it: its number from 1 and its id."""
    return f"item {instrument.items.index(item) + 1} ({item.id})"


def _scale_to_dict(scale: Scale) -> dict[str, Any]:
    """One scale in the file format."""
    document: dict[str, Any] = {"id": scale.id, "name": dict(scale.name), "scoring": scale.scoring}
    if scale.bands:
        document["bands"] = [
            {"min": band.min, "max": band.max, "description": dict(band.description)}
            for band in scale.bands
        ]
    return document


def _build(document: Mapping[str, Any]) -> Instrument:
    """The dataclasses of a document that passed every check."""
    response = document["response_scale"]
    return Instrument(
        id=document["id"],
        version=document["version"],
        kind=document["kind"],
        title=dict(document["title"]),
        instructions=dict(document["instructions"]),
        response_scale=ResponseScale(
            points=tuple(response["points"]),
            labels={lang: tuple(labels) for lang, labels in response["labels"].items()},
        ),
        items=tuple(
            Item(id=i["id"], text=dict(i["text"]), scale=i["scale"], keying=i["keying"])
            for i in document["items"]
        ),
        scales=tuple(
            Scale(
                id=s["id"],
                name=dict(s["name"]),
                scoring=s["scoring"],
                bands=tuple(
                    Band(min=b["min"], max=b["max"], description=dict(b["description"]))
                    for b in s.get("bands", ())
                ),
            )
            for s in document["scales"]
        ),
        source=document["source"],
        licence=document["licence"],
        translation_note=dict(document["translation_note"]) if "translation_note" in document else None,
    )


@cache
def _load_builtins() -> tuple[Instrument, ...]:
    """Parse the JSON files in the builtin package (a broken one fails loudly: it is our bug)."""
    folder = resources.files("app.assessments").joinpath("builtin")
    return tuple(
        parse_instrument(entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )
