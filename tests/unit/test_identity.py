"""NIK and No. KK: the rules of the Kemendagri numbering, masking, and soft warnings."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.core.errors import Text
from layan.core.identity import (
    PROVINCES,
    InvalidNikError,
    Nik,
    is_valid_nik,
    mask_nik,
    mask_phone,
    nik_warnings,
    parse_kk,
    parse_nik,
)


def build_nik(
    province: str = "32",
    regency: str = "01",
    district: str = "05",
    day: int = 17,
    month: int = 8,
    yy: int = 90,
    serial: int = 1,
    *,
    female: bool = False,
) -> str:
    encoded_day = day + 40 if female else day
    return f"{province}{regency}{district}{encoded_day:02d}{month:02d}{yy:02d}{serial:04d}"


MAN = build_nik()  # 3201051708900001
WOMAN = build_nik(day=17, female=True)  # 3201055708900001


# --- valid numbers -----------------------------------------------------------------


def test_the_province_table_holds_exactly_the_38_kemendagri_codes():
    expected = (
        [str(c) for c in range(11, 20)]
        + ["21", "31", "32", "33", "34", "35", "36", "51", "52", "53"]
        + ["61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82"]
        + ["91", "92", "93", "94", "95", "96"]
    )
    assert sorted(PROVINCES) == expected
    assert len(PROVINCES) == 38
    assert PROVINCES["11"] == "Aceh"
    assert PROVINCES["96"] == "Papua Barat Daya"


def test_a_mans_nik_is_split_into_its_parts():
    nik = parse_nik(MAN)
    assert nik == Nik(
        value="3201051708900001",
        province_code="32",
        regency_code="3201",
        district_code="320105",
        female=False,
        birth_day=17,
        birth_month=8,
        birth_yy=90,
        serial=1,
    )
    assert nik.province_name == "Jawa Barat"


def test_a_womans_nik_has_forty_added_to_the_day_and_the_day_is_given_back_without_it():
    nik = parse_nik(WOMAN)
    assert WOMAN[6:8] == "57"
    assert nik.female is True
    assert nik.birth_day == 17
    assert (nik.birth_month, nik.birth_yy) == (8, 90)


@pytest.mark.parametrize(
    ("encoded_day", "day", "female"),
    [(1, 1, False), (31, 31, False), (41, 1, True), (71, 31, True)],
)
def test_the_edges_of_the_day_ranges_are_accepted(encoded_day, day, female):
    nik = parse_nik(f"320105{encoded_day:02d}01900001")
    assert (nik.birth_day, nik.female) == (day, female)


def test_spaces_inside_and_around_a_nik_are_ignored():
    assert parse_nik(" 3201 0517 0890 0001 ").value == MAN


@pytest.mark.parametrize("province", ["65", "92", "93", "94", "95", "96"])
def test_the_newer_provinces_are_accepted(province):
    nik = parse_nik(build_nik(province=province))
    assert nik.province_code == province
    assert nik.province_name == PROVINCES[province]


def test_29_february_is_accepted_in_year_00_because_2000_was_a_leap_year():
    nik = parse_nik(build_nik(day=29, month=2, yy=0))
    assert nik.possible_birth_dates(today=date(2030, 1, 1)) == [date(2000, 2, 29)]


def test_29_february_is_accepted_in_year_04_in_both_centuries():
    nik = parse_nik(build_nik(day=29, month=2, yy=4, female=True))
    assert nik.possible_birth_dates(today=date(2030, 1, 1)) == [
        date(1904, 2, 29),
        date(2004, 2, 29),
    ]


def test_a_birth_date_in_the_future_is_not_offered_as_possible():
    nik = parse_nik(build_nik(day=5, month=3, yy=10))
    assert nik.possible_birth_dates(today=date(2024, 1, 1)) == [date(1910, 3, 5), date(2010, 3, 5)]
    assert nik.possible_birth_dates(today=date(2009, 12, 31)) == [date(1910, 3, 5)]
    assert parse_nik(build_nik(yy=99)).possible_birth_dates() == [date(1999, 8, 17)]


def test_is_valid_nik_says_yes_to_a_good_nik_and_no_to_a_bad_one():
    assert is_valid_nik(MAN) is True
    assert is_valid_nik(build_nik(serial=0)) is False


def test_a_nik_never_shows_itself_whole_in_its_repr():
    assert repr(parse_nik(MAN)) == "Nik('3201**********01')"


# --- invalid numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "format"),
        ("320105170890001", "format"),  # 15 digits
        ("32010517089000011", "format"),  # 17 digits
        ("320105170890000A", "format"),
        ("3201-0517-0890-0001", "format"),
        ("320105170890000١", "format"),  # an Arabic-Indic digit is not an ASCII digit
        (build_nik(province="10"), "province"),
        (build_nik(province="20"), "province"),
        (build_nik(province="97"), "province"),
        (build_nik(province="00"), "province"),
        (build_nik(day=0), "day"),
        (build_nik(day=32), "day"),
        (build_nik(day=40), "day"),
        (build_nik(day=72), "day"),
        (build_nik(day=99), "day"),
        (build_nik(month=0), "month"),
        (build_nik(month=13), "month"),
        (build_nik(day=31, month=2), "date"),
        (build_nik(day=30, month=2, female=True), "date"),
        (build_nik(day=31, month=4), "date"),
        (build_nik(day=29, month=2, yy=1), "date"),
        (build_nik(day=29, month=2, yy=1, female=True), "date"),
        (build_nik(serial=0), "serial"),
    ],
)
def test_each_impossible_nik_is_refused_with_its_reason(value, code):
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(value)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value.text, Text)


def test_a_nik_that_is_not_a_string_is_refused_as_a_format_error():
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(3201051708900001)  # type: ignore[arg-type]
    assert caught.value.code == "format"


def test_the_format_message_tells_the_citizen_in_both_languages_what_a_nik_looks_like():
    with pytest.raises(InvalidNikError) as caught:
        parse_nik("12345")
    assert caught.value.text == Text(id="NIK harus 16 digit angka.", en="NIK must be 16 digits.")
    assert str(caught.value) == "NIK must be 16 digits."


def test_every_refusal_has_a_distinct_message_in_both_languages():
    cases = {
        "province": build_nik(province="99"),
        "day": build_nik(day=35),
        "month": build_nik(month=13),
        "date": build_nik(day=31, month=2),
        "serial": build_nik(serial=0),
    }
    texts = []
    for code, value in cases.items():
        with pytest.raises(InvalidNikError) as caught:
            parse_nik(value)
        assert caught.value.code == code
        assert "NIK" in caught.value.text.id and "NIK" in caught.value.text.en
        texts.append(caught.value.text)
    assert len({t.id for t in texts}) == 5
    assert len({t.en for t in texts}) == 5


# --- masking -----------------------------------------------------------------------


def test_a_nik_is_masked_keeping_the_first_four_and_last_two_digits():
    assert mask_nik(MAN) == "3201**********01"
    assert parse_nik(MAN).masked == "3201**********01"


@pytest.mark.parametrize(
    ("value", "masked"), [("", ""), ("12", "**"), ("123456", "******"), ("1234567", "1234*67")]
)
def test_short_strings_are_masked_entirely_and_longer_ones_keep_four_and_two(value, masked):
    assert mask_nik(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("081234567890", "0812****7890"),
        ("0812-3456-7890", "0812****7890"),
        ("+62 812-3456-7890", "+6281*****7890"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_a_phone_number_keeps_only_its_first_and_last_four_digits(value, masked):
    assert mask_phone(value) == masked


# --- warnings, never refusals ------------------------------------------------------


def test_a_stated_birth_date_and_sex_that_match_the_nik_give_no_warning():
    nik = parse_nik(WOMAN)
    assert nik_warnings(nik, birth_date=date(1990, 8, 17), female=True) == []
    assert nik_warnings(nik) == []


def test_a_stated_birth_date_that_differs_from_the_nik_gives_one_warning():
    warnings = nik_warnings(parse_nik(MAN), birth_date=date(1990, 8, 18))
    assert len(warnings) == 1
    assert "tanggal lahir" in warnings[0].id.lower()
    assert "date of birth" in warnings[0].en


def test_a_stated_birth_year_in_the_other_century_still_matches():
    assert nik_warnings(parse_nik(build_nik(yy=5)), birth_date=date(1905, 8, 17)) == []
    assert len(nik_warnings(parse_nik(build_nik(yy=5)), birth_date=date(1805, 8, 17))) == 1


def test_a_stated_sex_that_differs_from_the_nik_gives_one_warning():
    warnings = nik_warnings(parse_nik(WOMAN), female=False)
    assert len(warnings) == 1
    assert "jenis kelamin" in warnings[0].id.lower()
    assert "sex" in warnings[0].en


def test_both_mismatches_give_two_different_warnings():
    warnings = nik_warnings(parse_nik(MAN), birth_date=date(1991, 8, 17), female=True)
    assert len(warnings) == 2
    assert warnings[0] != warnings[1]


# --- No. KK ------------------------------------------------------------------------


def test_a_family_card_number_is_returned_as_its_sixteen_digits():
    assert parse_kk(" 3201 0512 0319 0042 ") == "3201051203190042"
    assert parse_kk("9601010101250001") == "9601010101250001"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("320105120319004", "format"),
        ("32010512031900421", "format"),
        ("32010512031900x2", "format"),
        ("9901051203190042", "province"),
        ("3201051203190000", "serial"),
    ],
)
def test_an_impossible_family_card_number_is_refused_with_its_reason(value, code):
    with pytest.raises(InvalidNikError) as caught:
        parse_kk(value)
    assert caught.value.code == code
    assert "No. KK" in caught.value.text.id and "No. KK" in caught.value.text.en


# --- properties --------------------------------------------------------------------

sixteen_digits = st.text(alphabet="0123456789", min_size=16, max_size=16)


@given(sixteen_digits)
def test_any_sixteen_digits_either_parse_or_are_refused_with_a_reason(value):
    try:
        nik = parse_nik(value)
    except InvalidNikError as e:
        assert e.code in {"province", "day", "month", "date", "serial"}
    else:
        assert nik.value == value


@given(st.text(max_size=40))
def test_any_text_at_all_either_parses_or_is_refused_with_a_reason(value):
    try:
        parse_nik(value)
    except InvalidNikError as e:
        assert e.code in {"format", "province", "day", "month", "date", "serial"}


@st.composite
def valid_nik_parts(draw):
    month = draw(st.integers(1, 12))
    yy = draw(st.integers(0, 99))
    longest = max(
        calendar.monthrange(1900 + yy, month)[1], calendar.monthrange(2000 + yy, month)[1]
    )
    return {
        "province": draw(st.sampled_from(sorted(PROVINCES))),
        "regency": f"{draw(st.integers(0, 99)):02d}",
        "district": f"{draw(st.integers(0, 99)):02d}",
        "day": draw(st.integers(1, longest)),
        "month": month,
        "yy": yy,
        "serial": draw(st.integers(1, 9999)),
        "female": draw(st.booleans()),
    }


@given(valid_nik_parts())
def test_any_nik_built_from_valid_parts_parses_back_to_the_same_parts(parts):
    value = build_nik(**parts)
    nik = parse_nik(value)
    assert nik.value == value
    assert nik.province_code == parts["province"]
    assert nik.regency_code == parts["province"] + parts["regency"]
    assert nik.district_code == parts["province"] + parts["regency"] + parts["district"]
    assert nik.female is parts["female"]
    assert (nik.birth_day, nik.birth_month, nik.birth_yy) == (
        parts["day"],
        parts["month"],
        parts["yy"],
    )
    assert nik.serial == parts["serial"]
    assert nik.possible_birth_dates()  # 19YY is always in the past, or 2000 for 29 Feb 00
    assert nik_warnings(nik, birth_date=nik.possible_birth_dates()[0], female=parts["female"]) == []


@given(st.text(min_size=16, max_size=16))
def test_mask_nik_keeps_the_length_and_never_shows_characters_5_to_14(value):
    masked = mask_nik(value)
    assert len(masked) == len(value)
    assert masked[4:14] == "*" * 10
    assert masked[:4] == value[:4] and masked[14:] == value[14:]


@given(st.text())
def test_mask_nik_keeps_the_length_of_any_string(value):
    assert len(mask_nik(value)) == len(value)
