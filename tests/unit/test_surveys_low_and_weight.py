"""The "scored 1" rule and the element weight, each written once in the rules."""

from __future__ import annotations

from fractions import Fraction

import pytest

from layan.surveys import rules
from layan.surveys.models import SurveyResponse


def test_low_elements_are_the_keys_scored_1_in_questionnaire_order() -> None:
    scores = {"facilities": 1, "requirements": 1, "time": 2, "fee": None}
    assert rules.low_elements(scores) == ["requirements", "facilities"]
    assert rules.low_elements({}) == []


def test_low_scores_of_checked_answers_follow_low_elements() -> None:
    raw = dict.fromkeys(rules.ELEMENT_KEYS, "4") | {"time": "1", "behaviour": "1"}
    answers = rules.check_answers(raw)
    assert rules.low_scores(answers) == rules.low_elements(answers.scores) == ["time", "behaviour"]


def test_a_stored_response_gives_its_scores_by_element_key() -> None:
    response = SurveyResponse(**dict.fromkeys(rules.ELEMENT_KEYS, 3) | {"fee": None, "time": 1})
    assert list(response.scores) == list(rules.ELEMENT_KEYS)
    assert response.scores["fee"] is None
    assert rules.low_elements(response.scores) == ["time"]


def test_the_weight_is_exact_or_as_printed() -> None:
    assert rules.weight(False, 9) == Fraction(1, 9)
    assert rules.weight(False, 8) == Fraction(1, 8)
    assert rules.weight(True, 8) == Fraction(111, 1000)
    with pytest.raises(ValueError):
        rules.weight(False, 0)
