"""The satisfaction survey (SKM) and its index (IKM), as pure rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.core.errors import ValidationFailedError
from layan.surveys import rules
from layan.surveys.rules import ELEMENT_KEYS


def all_scored(score: int) -> dict[str, int | None]:
    return dict.fromkeys(ELEMENT_KEYS, score)


# Two respondents, element by element, with each element's NRR (sum / 2):
#   requirements 3 + 4 = 7 -> 3.5     procedure 4 + 3 = 7 -> 3.5    time 2 + 3 = 5 -> 2.5
#   fee          4 + 4 = 8 -> 4.0     product   3 + 3 = 6 -> 3.0    competence 3 + 4 -> 3.5
#   behaviour    4 + 4 = 8 -> 4.0     complaints 2 + 1 -> 1.5       facilities 3 + 3 -> 3.0
# Sum of NRR = 28.5.
# Exact:  28.5 / 9 = 3.1666...;  x 25 = 79.1666... -> 79.17 (B).
# Legacy: 28.5 x 0.111 = 3.1635;  x 25 = 79.0875 -> 79.09 (B); rounding the weighted total
#         to 3 decimals first (3.164 x 25 = 79.10) would be the older 14-element habit.
MIXED = [
    {
        "requirements": 3,
        "procedure": 4,
        "time": 2,
        "fee": 4,
        "product": 3,
        "competence": 3,
        "behaviour": 4,
        "complaints": 2,
        "facilities": 3,
    },
    {
        "requirements": 4,
        "procedure": 3,
        "time": 3,
        "fee": 4,
        "product": 3,
        "competence": 4,
        "behaviour": 4,
        "complaints": 1,
        "facilities": 3,
    },
]


def test_there_are_nine_elements_each_with_four_answers_in_both_languages() -> None:
    assert ELEMENT_KEYS == (
        "requirements",
        "procedure",
        "time",
        "fee",
        "product",
        "competence",
        "behaviour",
        "complaints",
        "facilities",
    )
    for element in rules.ELEMENTS:
        assert len(element.answers) == 4
        assert all(answer.id and answer.en for answer in element.answers)
    fee = rules.ELEMENTS[ELEMENT_KEYS.index("fee")]
    assert [answer.id for answer in fee.answers] == [
        "Sangat mahal",
        "Cukup mahal",
        "Murah",
        "Gratis",
    ]
    behaviour = rules.ELEMENTS[ELEMENT_KEYS.index("behaviour")]
    assert behaviour.name.id == "Perilaku Pelaksana"
    assert behaviour.answers[0].id == "Tidak sopan dan ramah"
    assert behaviour.answers[3].id == "Sangat sopan dan ramah"
    complaints = rules.ELEMENTS[ELEMENT_KEYS.index("complaints")]
    assert complaints.answers[1].id == "Ada tetapi tidak berfungsi"


def test_the_weights_are_one_ninth_and_the_printed_0_111() -> None:
    assert rules.EXACT_WEIGHT == Decimal("0.1111111111111111111111111111")
    assert rules.LEGACY_WEIGHT == Decimal("0.111")


def test_one_respondent_with_all_4s_gives_exactly_100_and_99_90_in_legacy_mode() -> None:
    exact = rules.compute_ikm([all_scored(4)])
    assert exact.ikm == Decimal("100.00")
    assert str(exact.ikm) == "100.00"
    assert exact.band == rules.BAND_A
    assert exact.responses == 1
    assert exact.legacy is False
    legacy = rules.compute_ikm([all_scored(4)], legacy=True)
    assert legacy.ikm == Decimal("99.90")
    assert legacy.legacy is True


def test_all_1s_give_25() -> None:
    result = rules.compute_ikm([all_scored(1), all_scored(1)])
    assert str(result.ikm) == "25.00"
    assert result.band == rules.BAND_D
    assert result.band.kinerja.id == "Tidak Baik"


def test_a_mixed_example_matches_the_hand_computation() -> None:
    result = rules.compute_ikm(MIXED)
    assert result.ikm == Decimal("79.17")
    assert result.band.mutu == "B"
    assert result.nrr["complaints"] == Decimal("1.5")
    assert result.nrr["fee"] == Decimal("4")
    assert sum(result.nrr.values()) == Decimal("28.5")
    assert result.answered == dict.fromkeys(ELEMENT_KEYS, 2)
    assert result.weighted_total.quantize(Decimal("0.000001")) == Decimal("3.166667")
    legacy = rules.compute_ikm(MIXED, legacy=True)
    assert legacy.ikm == Decimal("79.09")
    assert legacy.weighted_total == Decimal("3.1635")


def test_the_index_is_rounded_exactly_even_when_averages_are_repeating_decimals() -> None:
    # 24 respondents; element sums 74 (x6) and 77 (x3) give NRRs 37/12 and 77/24, which
    # have no exact decimal. Sum = 675 / 24 = 28.125; / 9 x 25 = 78.125 -> 78.13 half up.
    extra = dict(zip(ELEMENT_KEYS, (2, 5, 2, 5, 2, 5, 2, 2, 2), strict=True))
    responses = [{key: 4 if r < extra[key] else 3 for key in ELEMENT_KEYS} for r in range(24)]
    assert sum(sum(r.values()) for r in responses) == 675
    assert rules.compute_ikm(responses).ikm == Decimal("78.13")


def test_nrr_keeps_full_precision_and_is_rounded_for_reports() -> None:
    responses = [all_scored(3), all_scored(3), {**all_scored(4), "time": 4, "fee": 2}]
    result = rules.compute_ikm(responses)
    assert result.nrr["time"].quantize(Decimal("1e-20")) == Decimal("3.33333333333333333333")
    assert result.nrr["time"] != Decimal("3.33")
    rounded = rules.rounded_nrr(result)
    assert rounded["time"] == Decimal("3.33")
    assert rounded["fee"] == Decimal("2.67")
    assert rules.rounded_nrr(result, 3)["time"] == Decimal("3.333")


def test_an_element_nobody_answered_is_left_out_rather_than_counted_as_zero() -> None:
    skipped = {**all_scored(4), "fee": None}
    result = rules.compute_ikm([skipped, skipped])
    assert result.ikm == Decimal("100.00")
    assert result.nrr["fee"] is None
    assert result.answered["fee"] == 0
    assert result.answered["time"] == 2
    # Legacy keeps 0.111 per answered element: 8 x 4 x 0.111 x 25 = 88.80.
    assert rules.compute_ikm([skipped], legacy=True).ikm == Decimal("88.80")


def test_each_element_is_averaged_over_those_who_answered_it() -> None:
    result = rules.compute_ikm([all_scored(2), {**all_scored(2), "fee": None}])
    assert result.answered["fee"] == 1
    assert result.nrr["fee"] == Decimal("2")
    assert result.ikm == Decimal("50.00")


def test_no_responses_give_no_index() -> None:
    for responses in ([], [dict.fromkeys(ELEMENT_KEYS)], [{}]):
        result = rules.compute_ikm(responses)
        assert result.ikm is None
        assert result.band is None
        assert result.responses == 0
        assert result.weighted_total is None
        assert result.nrr == dict.fromkeys(ELEMENT_KEYS)


def test_a_questionnaire_counts_when_any_element_is_answered() -> None:
    result = rules.compute_ikm([{"fee": 3}, dict.fromkeys(ELEMENT_KEYS), all_scored(4)])
    assert result.responses == 2
    assert result.answered["fee"] == 2
    assert result.answered["time"] == 1


@pytest.mark.parametrize("bad", [0, 5, 2.5, "3", True, -1])
def test_a_stored_score_outside_1_to_4_is_refused_naming_the_element(bad: object) -> None:
    with pytest.raises(ValueError, match="^complaints: "):
        rules.compute_ikm([{**all_scored(3), "complaints": bad}])


def test_a_stored_key_that_is_no_element_is_refused() -> None:
    with pytest.raises(ValueError, match="^speed: "):
        rules.compute_ikm([{**all_scored(3), "speed": 4}])


def test_answers_are_read_by_key_so_the_order_of_keys_does_not_matter() -> None:
    forward = MIXED[0]
    backward = dict(reversed(list(forward.items())))
    # Some forms put facilities 8th and complaints 9th.
    swapped = {k: forward[k] for k in (*ELEMENT_KEYS[:7], "facilities", "complaints")}
    assert list(backward) != list(forward) and list(swapped) != list(forward)
    expected = rules.compute_ikm([forward, MIXED[1]])
    assert rules.compute_ikm([backward, MIXED[1]]) == expected
    assert rules.compute_ikm([swapped, MIXED[1]]) == expected
    assert expected.nrr["complaints"] == Decimal("1.5")


@pytest.mark.parametrize(
    ("ikm", "mutu"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("64.994", "D"),
        ("64.995", "C"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.604", "C"),
        ("76.605", "B"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.304", "B"),
        ("88.305", "A"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_the_band_is_read_after_rounding_to_two_decimals(ikm: str, mutu: str) -> None:
    assert rules.band_of(Decimal(ikm)).mutu == mutu


def test_each_band_names_its_kinerja_and_perception() -> None:
    bands = [rules.band_of(Decimal(v)) for v in ("90", "80", "70", "50")]
    assert [(b.mutu, b.kinerja.id, b.perception) for b in bands] == [
        ("A", "Sangat Baik", 4),
        ("B", "Baik", 3),
        ("C", "Kurang Baik", 2),
        ("D", "Tidak Baik", 1),
    ]
    assert [b.kinerja.en for b in bands] == ["Very good", "Good", "Poor", "Very poor"]


@pytest.mark.parametrize(
    ("population", "size"),
    [
        (-5, 0),
        (0, 0),
        (1, 1),
        (10, 10),
        (50, 44),
        (100, 80),
        (200, 132),
        (500, 217),
        (1000, 278),
        (10_000, 370),
        (100_000, 383),
        (1_000_000, 384),
        (10**12, 384),
    ],
)
def test_the_sample_size_follows_krejcie_and_morgan(population: int, size: int) -> None:
    assert rules.sample_size(population) == size


@given(st.integers(min_value=1, max_value=10**9))
def test_the_sample_never_exceeds_the_population_nor_384(population: int) -> None:
    size = rules.sample_size(population)
    assert 1 <= size <= min(population, 384)


def test_a_period_meets_the_sample_when_its_responses_reach_the_size() -> None:
    assert rules.sample_size_met(80, 100)
    assert not rules.sample_size_met(79, 100)
    assert rules.sample_size_met(400, 5_000_000)
    assert not rules.sample_size_met(383, 5_000_000)


def test_the_weakest_elements_are_those_with_the_lowest_nrr_ties_in_key_order() -> None:
    result = rules.compute_ikm(MIXED)
    # complaints 1.5, time 2.5, then product and facilities tie at 3.0.
    assert rules.weakest_elements(result) == ["complaints", "time", "product"]
    assert rules.weakest_elements(result, 4) == ["complaints", "time", "product", "facilities"]
    assert rules.weakest_elements(result, 1) == ["complaints"]


def test_the_weakest_elements_skip_those_nobody_answered() -> None:
    result = rules.compute_ikm([{"fee": 4, "time": 2}])
    assert rules.weakest_elements(result) == ["time", "fee"]
    assert rules.weakest_elements(rules.compute_ikm([])) == []


def full_form(**changes: object) -> dict[str, object]:
    return {**dict.fromkeys(ELEMENT_KEYS, "3"), **changes}


def test_a_complete_questionnaire_is_accepted_with_scores_as_numbers() -> None:
    answers = rules.check_answers(
        full_form(
            fee=4,
            complaints=" 1 ",
            suggestion="  Antrean terlalu panjang.\nMohon ditambah loket.  ",
            age_band="30-39",
            sex="p",
            education="d4-s1",
            occupation="Swasta",
        )
    )
    assert answers.scores == {**dict.fromkeys(ELEMENT_KEYS, 3), "fee": 4, "complaints": 1}
    assert list(answers.scores) == list(ELEMENT_KEYS)
    assert answers.suggestion == "Antrean terlalu panjang.\nMohon ditambah loket."
    assert answers.profile == {
        "age_band": "30-39",
        "sex": "P",
        "education": "D4-S1",
        "occupation": "SWASTA",
    }


def test_empty_suggestion_and_profile_fields_are_simply_absent() -> None:
    answers = rules.check_answers(full_form(suggestion="   ", sex="", education=None))
    assert answers.suggestion is None
    assert answers.profile == {}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "score.out_of_range"),
        (5, "score.out_of_range"),
        ("0", "score.out_of_range"),
        ("5", "score.out_of_range"),
        ("x", "score.not_integer"),
        (2.5, "score.not_integer"),
        ("2.5", "score.not_integer"),
        (3.0, "score.not_integer"),
        (True, "score.not_integer"),
        ("３", "score.not_integer"),
        ([3], "score.not_integer"),
    ],
)
def test_a_score_that_is_not_a_whole_number_from_1_to_4_is_refused(
    value: object, code: str
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_answers(full_form(time=value))
    assert [(e.field, e.code) for e in refused.value.errors] == [("time", code)]
    assert refused.value.code == "invalid"


def test_every_problem_is_listed_at_once() -> None:
    raw = full_form(
        requirements=0,
        procedure=5,
        time="x",
        fee=2.5,
        suggestion="a" * 2001,
        age_band="25",
        sex="X",
        education="SMK",
        occupation="PETANI",
        speed=4,
    )
    del raw["facilities"]
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_answers(raw)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("requirements", "score.out_of_range"),
        ("procedure", "score.out_of_range"),
        ("time", "score.not_integer"),
        ("fee", "score.not_integer"),
        ("facilities", "score.required"),
        ("suggestion", "suggestion.too_long"),
        ("age_band", "profile.invalid"),
        ("sex", "profile.invalid"),
        ("education", "profile.invalid"),
        ("occupation", "profile.invalid"),
        ("speed", "field.unknown"),
    ]
    for error in refused.value.errors:
        assert error.text.id and error.text.en and error.text.id != error.text.en


def test_missing_scores_are_refused_only_when_all_are_required() -> None:
    partial = {"fee": "4", "time": 1}
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_answers(partial)
    assert [e.field for e in refused.value.errors] == [
        k for k in ELEMENT_KEYS if k not in ("fee", "time")
    ]
    assert {e.code for e in refused.value.errors} == {"score.required"}
    answers = rules.check_answers(partial, require_all=False)
    assert answers.scores == {"time": 1, "fee": 4}


def test_a_suggestion_may_have_2000_characters_and_line_breaks_but_no_other_controls() -> None:
    assert rules.check_answers(full_form(suggestion="b" * 2000)).suggestion == "b" * 2000
    assert rules.check_answers(full_form(suggestion="a\r\n\tb")).suggestion == "a\r\n\tb"
    for bad in ("a\x00b", "a\x1bb", "a\x7fb"):
        with pytest.raises(ValidationFailedError) as refused:
            rules.check_answers(full_form(suggestion=bad))
        assert [e.code for e in refused.value.errors] == ["suggestion.control_chars"]
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_answers(full_form(suggestion="\x00" + "c" * 2000))
    assert [e.code for e in refused.value.errors] == [
        "suggestion.too_long",
        "suggestion.control_chars",
    ]
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_answers(full_form(suggestion=42))
    assert [e.code for e in refused.value.errors] == ["suggestion.invalid"]


def test_every_listed_profile_choice_is_accepted() -> None:
    for key, choices in rules.PROFILE_CHOICES.items():
        for choice in choices:
            assert rules.check_answers(full_form(**{key: choice})).profile == {key: choice}


def test_low_scores_name_the_elements_scored_1() -> None:
    answers = rules.check_answers(full_form(fee="1", time=1, behaviour=2))
    assert rules.low_scores(answers) == ["time", "fee"]
    assert rules.low_scores(rules.check_answers(full_form())) == []


score = st.integers(min_value=1, max_value=4)
complete = st.fixed_dictionaries(dict.fromkeys(ELEMENT_KEYS, score))
partial = st.fixed_dictionaries({key: st.none() | score for key in ELEMENT_KEYS}).filter(
    lambda r: any(v is not None for v in r.values())
)
responses_lists = st.lists(complete | partial, min_size=1, max_size=25)


@given(responses_lists)
def test_the_index_of_any_valid_responses_stays_within_25_and_100(responses: list) -> None:
    ikm = rules.compute_ikm(responses).ikm
    assert ikm is not None
    assert Decimal("25.00") <= ikm <= Decimal("100.00")
    assert ikm == ikm.quantize(Decimal("0.01"))


@given(st.integers(min_value=1, max_value=200))
def test_all_4s_give_exactly_100_for_any_number_of_respondents(count: int) -> None:
    result = rules.compute_ikm([all_scored(4)] * count)
    assert str(result.ikm) == "100.00"
    assert result.responses == count


@given(st.data(), responses_lists)
def test_the_order_of_responses_never_changes_the_result(data: st.DataObject, responses: list):
    shuffled = data.draw(st.permutations(responses))
    assert rules.compute_ikm(shuffled) == rules.compute_ikm(responses)
    assert rules.compute_ikm(shuffled, legacy=True) == rules.compute_ikm(responses, legacy=True)


@given(responses_lists, st.integers(min_value=2, max_value=5))
def test_repeating_every_response_never_changes_the_exact_index(responses: list, times: int):
    once = rules.compute_ikm(responses)
    repeated = rules.compute_ikm(responses * times)
    assert repeated.ikm == once.ikm
    assert repeated.nrr == once.nrr
    assert repeated.responses == once.responses * times
