"""Scoring of the built-in instruments, checked against numbers worked out by hand from the keys."""
from __future__ import annotations

import pytest

from app.assessments.instruments import (
    AnswerError,
    check_answer,
    load_builtin,
    missing_items,
    parse_instrument,
    score,
)

# The IPIP-50 key (ipip.ori.org, Big-Five Factor Markers): items cycle E, A, C, ES, I.
# Plus/minus per scale: E 5+/5-, A 6+/4-, C 6+/4-, ES 2+/8-, I 7+/3-. Minus items count 6 - answer.
CONSISTENT_HIGH = (  # 5 on every plus-keyed item, 1 on every minus-keyed item, written out from the key
    "5,1,5,1,5, 1,5,1,5,1, 5,1,5,1,5, 1,5,1,5,1, 5,1,5,1,5,"
    "1,5,1,1,1, 5,1,5,1,5, 1,5,1,1,5, 5,5,5,1,5, 1,5,5,1,5"
)


def answers(text: str) -> list[int]:
    """A comma-separated answer string as a list of ints."""
    return [int(value) for value in text.replace(" ", "").split(",")]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # All ones: plus items count 1, minus items count 5. E: 5*1 + 5*5 = 30.
        ("1," * 49 + "1", {"E": 30, "A": 26, "C": 26, "ES": 42, "I": 22}),
        # All fives: plus items 5, minus items 1. E: 5*5 + 5*1 = 30; ES: 2*5 + 8*1 = 18.
        ("5," * 49 + "5", {"E": 30, "A": 34, "C": 34, "ES": 18, "I": 38}),
        # All threes: 3 reversed is 3, so every scale is 10*3.
        ("3," * 49 + "3", {"E": 30, "A": 30, "C": 30, "ES": 30, "I": 30}),
        # Keyed high everywhere: every item counts 5, every scale 10*5.
        (CONSISTENT_HIGH, {"E": 50, "A": 50, "C": 50, "ES": 50, "I": 50}),
        # 1,2,3,4,5 repeated: every E item 1, A 2, C 3, ES 4, I 5.
        # A: 6 plus * 2 + 4 minus * (6-2) = 12 + 16 = 28; ES: 2*4 + 8*(6-4) = 24; I: 7*5 + 3*1 = 38.
        ("1,2,3,4,5," * 9 + "1,2,3,4,5", {"E": 30, "A": 28, "C": 30, "ES": 24, "I": 38}),
        # Items 1-25 answered 5, items 26-50 answered 1 (each scale's items 1-5 high, 6-10 low).
        # E: plus 1,11,21 = 15; minus 6,16 = 1+1; plus 31,41 = 1+1; minus 26,36,46 = 5*3 -> 15+2+2+15 = 34.
        ("5," * 25 + "1," * 24 + "1", {"E": 34, "A": 22, "C": 30, "ES": 38, "I": 26}),
    ],
)
def test_it_scores_the_ipip_fifty_as_the_published_key_says(pattern: str, expected: dict[str, int]) -> None:
    assert score(load_builtin("ipip-bigfive-50"), answers(pattern)) == expected


def test_it_keys_the_ipip_fifty_items_as_the_published_key() -> None:
    instrument = load_builtin("ipip-bigfive-50")
    minus = {
        "E": [6, 16, 26, 36, 46], "A": [2, 12, 22, 32], "C": [8, 18, 28, 38],
        "ES": [4, 14, 24, 29, 34, 39, 44, 49], "I": [10, 20, 30],
    }
    for number, item in enumerate(instrument.items, start=1):
        assert item.scale == ["E", "A", "C", "ES", "I"][(number - 1) % 5]
        assert item.id == f"{item.scale}{(number - 1) // 5 + 1}"
        assert item.keying == ("-" if number in minus[item.scale] else "+"), f"item {number}"
    assert [instrument.score_range(s.id) for s in instrument.scales] == [(10, 50)] * 5


def test_it_scores_answers_by_item_id_the_same_as_in_order() -> None:
    instrument = load_builtin("ipip-bigfive-50")
    ordered = answers("1,2,3,4,5," * 9 + "1,2,3,4,5")
    by_id = {item.id: value for item, value in zip(instrument.items, ordered)}
    assert score(instrument, by_id) == score(instrument, ordered)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("1," * 20 + "1", [1.0] * 7),
        ("5," * 20 + "5", [5.0] * 7),
        ("3," * 20 + "3", [3.0] * 7),
        ("1,2,3," * 6 + "1,2,3", [2.0] * 7),  # (1+2+3)/3 for each competency
        # (5+4+4)/3 = 4.33, (1+1+2)/3 = 1.33, (3+4+5)/3 = 4, (2+2+3)/3 = 2.33, 5, (1+2+4)/3 = 2.33, (4+3+1)/3 = 2.67
        ("5,4,4, 1,1,2, 3,4,5, 2,2,3, 5,5,5, 1,2,4, 4,3,1", [4.33, 1.33, 4.0, 2.33, 5.0, 2.33, 2.67]),
    ],
)
def test_it_scores_the_competency_template_as_means(pattern: str, expected: list[float]) -> None:
    instrument = load_builtin("competency-self-assessment")
    competencies = [
        "communication", "collaboration", "planning", "problem-solving",
        "learning", "customer-focus", "self-leadership",
    ]
    assert [scale.id for scale in instrument.scales] == competencies
    assert score(instrument, answers(pattern)) == dict(zip(competencies, expected))


def test_it_refuses_a_wrong_number_of_answers() -> None:
    with pytest.raises(AnswerError) as refused:
        score(load_builtin("ipip-bigfive-50"), [3] * 49)
    assert refused.value.errors == ["Expected 50 answers, got 49."]


def test_it_names_every_answer_outside_the_scale_or_not_a_number() -> None:
    values: list[object] = [3] * 50
    values[11], values[19], values[29] = 7, "x", 0
    with pytest.raises(AnswerError) as refused:
        score(load_builtin("ipip-bigfive-50"), values)
    assert refused.value.errors == [
        "Answer 12: 7 is outside the scale 1-5.",
        "Answer 20: 'x' is not a whole number.",
        "Answer 30: 0 is outside the scale 1-5.",
    ]


def test_it_points_out_missing_and_unknown_items() -> None:
    instrument = load_builtin("competency-self-assessment")
    given = {item.id: 3 for item in instrument.items[2:]} | {"nope": 3}
    assert [item.id for item in missing_items(instrument, given)] == ["communication-1", "communication-2"]
    with pytest.raises(AnswerError) as refused:
        score(instrument, given)
    assert refused.value.errors == [
        "There is no item 'nope' in this instrument.",
        "These items have no answer yet: item 1 (communication-1), item 2 (communication-2).",
    ]


def test_it_checks_one_answer_at_a_time_for_saving_as_you_go() -> None:
    instrument = load_builtin("ipip-bigfive-50")
    assert check_answer(instrument, "ES2", "4") == 4
    with pytest.raises(AnswerError, match=r"Answer 9: 6 is outside the scale 1-5\."):
        check_answer(instrument, "ES2", 6)
    with pytest.raises(AnswerError, match="no item 'Z9'"):
        check_answer(instrument, "Z9", 3)


def test_it_finds_the_band_of_a_score() -> None:
    extraversion = load_builtin("ipip-bigfive-50").scale("E")
    assert [extraversion.band_for(value).min for value in (10, 22, 23, 37, 38, 50)] == [10, 10, 23, 23, 38, 38]
    assert extraversion.band_for(51) is None


def test_it_rounds_a_mean_half_up_to_two_decimals() -> None:
    eight = {
        "id": "eight", "version": 1, "kind": "other",
        "title": {"nl": "Acht", "en": "Eight"}, "instructions": {"nl": "Antwoord.", "en": "Answer."},
        "response_scale": {"points": [1, 2, 3], "labels": {"nl": ["a", "b", "c"], "en": ["a", "b", "c"]}},
        "items": [{"id": f"Q{n}", "text": {"nl": "x", "en": "x"}, "scale": "M", "keying": "+"} for n in range(8)],
        "scales": [{"id": "M", "name": {"nl": "M", "en": "M"}, "scoring": "mean"}],
        "source": "test", "licence": "CC0 1.0",
    }
    # 3+3+3+2+2+2+1+1 = 17; 17 / 8 = 2.125, which rounds half up to 2.13 (not to the even 2.12)
    assert score(parse_instrument(eight), [3, 3, 3, 2, 2, 2, 1, 1]) == {"M": 2.13}
