"""What each kind of question needs: checking its set-up, and checking and reading answers.

Plain functions without database access, so the builder, the answer form and the
review page all judge a question the same way.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _  # raised messages are translated when shown
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.exercises.models import Question, QuestionKind

MAX_PROMPT = 2000
MAX_SHORT_TEXT = 1000
MAX_LONG_TEXT = 20_000
MAX_OPTIONS = 20
MAX_OPTION = 200
MAX_SCALE_LABEL = 100
SCALE_LIMIT = 100  # scale ends lie within -100..100
MAX_SCALE_STEPS = 20  # and at most 20 apart, so every point fits on a line
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SCALE: _l("Scale"),
    QuestionKind.SINGLE_CHOICE: _l("Single choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionKind.DATE: _l("Date"),
    QuestionKind.RANKING: _l("Ranking"),
}


class QuestionError(ValueError):
    """A question set-up or an answer that cannot be used; field names the input it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# The builder --------------------------------------------------------------------------------


def parse_prompt(raw: str | None) -> str:
    """The question text, checked."""
    prompt = (raw or "").strip()
    if not prompt:
        raise QuestionError(_("Enter the question."), "prompt")
    if len(prompt) > MAX_PROMPT:
        raise QuestionError(_("Keep the question under %(max)d characters.", max=MAX_PROMPT), "prompt")
    return prompt


def parse_kind(raw: str | None) -> str:
    """A known kind of question."""
    if raw not in QuestionKind.ALL:
        raise QuestionError(_("Choose a kind of question."), "kind")
    return raw


def _int(raw: str | None, field: str) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        raise QuestionError(_("Enter a whole number."), field) from None


def parse_config(kind: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """What the kind needs from the builder's form (scale ends, options), checked."""
    if kind == QuestionKind.SCALE:
        low, high = _int(form.get("scale_min", "1"), "scale_min"), _int(form.get("scale_max", "5"), "scale_max")
        if not (-SCALE_LIMIT <= low < high <= SCALE_LIMIT):
            raise QuestionError(
                _("The lowest value must be below the highest, both between %(a)d and %(b)d.", a=-SCALE_LIMIT, b=SCALE_LIMIT),
                "scale_max",
            )
        if high - low > MAX_SCALE_STEPS:
            raise QuestionError(_("A scale has at most %(n)d steps.", n=MAX_SCALE_STEPS + 1), "scale_max")
        labels = {}
        for end in ("min_label", "max_label"):
            label = (form.get(end) or "").strip()
            if len(label) > MAX_SCALE_LABEL:
                raise QuestionError(_("Keep a label under %(max)d characters.", max=MAX_SCALE_LABEL), end)
            labels[end] = label
        return {"min": low, "max": high, **labels}
    if kind in QuestionKind.WITH_OPTIONS:
        options = [line.strip() for line in (form.get("options") or "").splitlines() if line.strip()]
        if len(options) < 2:
            raise QuestionError(_("Enter at least two options, one per line."), "options")
        if len(options) > MAX_OPTIONS:
            raise QuestionError(_("Enter at most %(n)d options.", n=MAX_OPTIONS), "options")
        if any(len(option) > MAX_OPTION for option in options):
            raise QuestionError(_("Keep each option under %(max)d characters.", max=MAX_OPTION), "options")
        if len(set(options)) != len(options):
            raise QuestionError(_("Each option may appear only once."), "options")
        return {"options": options}
    return {}


# Answers ------------------------------------------------------------------------------------


def parse_answer(question: Question, form: MultiDict[str, str]) -> Any:
    """The answer in form (field "value") as stored JSON value; None when it was cleared."""
    kind, config = question.kind, question.config or {}
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = form.get("value", "").replace("\r\n", "\n")
        limit = MAX_SHORT_TEXT if kind == QuestionKind.SHORT_TEXT else MAX_LONG_TEXT
        if len(text) > limit:
            raise QuestionError(
                _("This answer is %(length)d characters long; the most is %(max)d.", length=len(text), max=limit)
            )
        return text if text.strip() else None
    if kind == QuestionKind.SCALE:
        raw = form.get("value", "").strip()
        if not raw:
            return None
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not (config["min"] <= number <= config["max"]):
            raise QuestionError(_("Choose a value from %(min)d to %(max)d.", min=config["min"], max=config["max"]))
        return number
    if kind == QuestionKind.SINGLE_CHOICE:
        choice = form.get("value", "")
        if not choice:
            return None
        if choice not in config["options"]:
            raise QuestionError(_("Choose one of the options given."))
        return choice
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = [c for c in form.getlist("value") if c]
        if any(c not in config["options"] for c in chosen) or len(set(chosen)) != len(chosen):
            raise QuestionError(_("Choose from the options given."))
        # Kept in the order the coach gave the options.
        return [o for o in config["options"] if o in chosen] or None
    if kind == QuestionKind.DATE:
        raw = form.get("value", "").strip()
        if not raw:
            return None
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or len(raw) != 10 or not (EARLIEST_DATE <= day <= LATEST_DATE):
            raise QuestionError(_("Enter a date as year-month-day, between 1900 and 2100."))
        return day.isoformat()
    if kind == QuestionKind.RANKING:
        return _ranking(config["options"], form)
    raise QuestionError(_("This question cannot be answered."))


def _ranking(options: list[str], form: MultiDict[str, str]) -> list[str]:
    """The order sent (every option exactly once), with a requested move applied."""
    order = form.getlist("value")
    if sorted(order) != sorted(options):
        raise QuestionError(_("Put every option in the list exactly once."))
    position, _sep, direction = form.get("move", "").partition(":")
    if position.isdigit() and direction in ("up", "down"):
        i = int(position)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= i < len(order) and 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    return order


def dump_answer(value: Any) -> str | None:
    """The stored form of an answer value."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def load_answer(stored: str | None) -> Any:
    """The answer value of a stored answer."""
    return None if stored is None else json.loads(stored)


def is_answered(value: Any) -> bool:
    """True when value counts as an answer."""
    return value is not None and value != "" and value != []


def ranking_order(question: Question, value: Any) -> list[str]:
    """The order to show a ranking question in: the client's, or the coach's to start from."""
    return list(value) if isinstance(value, list) else list(question.config.get("options", []))
