"""Pure rules of the satisfaction survey (SKM, PermenPANRB 14/2017) and its index (IKM).

No database and no web here: these functions are the specification, tested directly.
Answers are stored and exchanged by element key, never by position, because published
questionnaires list the nine elements in different orders.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from layan.core.errors import FieldError, Text, ValidationFailedError


@dataclass(frozen=True)
class Element:
    """One element (unsur) of the questionnaire and its four answers, for scores 1 to 4."""

    key: str
    name: Text
    answers: tuple[Text, Text, Text, Text]


def _element(
    key: str, name: tuple[str, str], ids: tuple[str, ...], ens: tuple[str, ...]
) -> Element:
    """An element from its Indonesian and English answer labels, for scores 1 to 4."""
    a, b, c, d = (Text(id_, en) for id_, en in zip(ids, ens, strict=True))
    return Element(key, Text(*name), (a, b, c, d))


def _graded(word: str, en: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The usual scale of an adjective: Tidak / Kurang / (plain) / Sangat."""
    ids = (f"Tidak {word}", f"Kurang {word}", word.capitalize(), f"Sangat {word}")
    return ids, (f"Not {en}", f"Not very {en}", en.capitalize(), f"Very {en}")


# The usual order of the regulation's annex. The labels for competence and complaints are
# the common questionnaire wording; an agency may show its own.
ELEMENTS: tuple[Element, ...] = (
    _element("requirements", ("Persyaratan", "Requirements"), *_graded("sesuai", "suitable")),
    _element(
        "procedure",
        ("Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures"),
        *_graded("mudah", "easy"),
    ),
    _element("time", ("Waktu Penyelesaian", "Completion time"), *_graded("cepat", "fast")),
    _element(
        "fee",
        ("Biaya/Tarif", "Cost/fee"),
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Fairly expensive", "Cheap", "Free of charge"),
    ),
    _element(
        "product",
        ("Produk Spesifikasi Jenis Pelayanan", "Service product specification"),
        *_graded("sesuai", "suitable"),
    ),
    _element(
        "competence",
        ("Kompetensi Pelaksana", "Staff competence"),
        *_graded("kompeten", "competent"),
    ),
    _element(
        "behaviour",
        ("Perilaku Pelaksana", "Staff behaviour"),
        *_graded("sopan dan ramah", "polite and friendly"),
    ),
    _element(
        "complaints",
        ("Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and suggestions"),
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        ("None", "Exists but does not work", "Works, but not fully", "Well managed"),
    ),
    _element(
        "facilities",
        ("Sarana dan Prasarana", "Facilities and infrastructure"),
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)
ELEMENT_KEYS: tuple[str, ...] = tuple(element.key for element in ELEMENTS)

# The weights, for display: the index itself is computed in exact fractions.
EXACT_WEIGHT = Decimal(1) / Decimal(9)
LEGACY_WEIGHT = Decimal("0.111")
IKM_FACTOR = 25

# Reported averages carry more digits than any report shows. The index is computed in
# fractions: an NRR such as 10/3 has no exact Decimal, and a sum of rounded ones could sit
# a hair below a true .xx5 and round the wrong way at the end.
_REPORT = Context(prec=34)


@dataclass(frozen=True)
class Band:
    """A quality band: the mutu letter, the unit's kinerja, and the perception score."""

    mutu: str
    kinerja: Text
    perception: int


BAND_A = Band("A", Text("Sangat Baik", "Very good"), 4)
BAND_B = Band("B", Text("Baik", "Good"), 3)
BAND_C = Band("C", Text("Kurang Baik", "Poor"), 2)
BAND_D = Band("D", Text("Tidak Baik", "Very poor"), 1)
_BAND_FLOORS = ((Decimal("88.31"), BAND_A), (Decimal("76.61"), BAND_B), (Decimal("65.00"), BAND_C))


def band_of(ikm: Decimal) -> Band:
    """The band of an index, rounded half up to 2 decimals first (88.305 is 88.31, an A)."""
    rounded = ikm.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return next((band for floor, band in _BAND_FLOORS if rounded >= floor), BAND_D)


@dataclass(frozen=True)
class IkmResult:
    """The index of a set of questionnaires, with what it was computed from."""

    ikm: Decimal | None
    band: Band | None
    responses: int
    nrr: dict[str, Decimal | None]
    answered: dict[str, int]
    weighted_total: Decimal | None
    legacy: bool


def _round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """An exact, non-negative value rounded half up to `places` decimals."""
    return Decimal(math.floor(value * 10**places + Fraction(1, 2))).scaleb(-places)


def _decimal(value: Fraction) -> Decimal:
    """An exact value as a Decimal of 34 significant digits, for reports."""
    return _REPORT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _score(key: str, value: int | None) -> int | None:
    """A stored score, checked: None when the element was not answered."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise ValueError(f"{key}: a score must be an integer from 1 to 4, not {value!r}")
    return value


def _tally(responses: Iterable[Mapping[str, int | None]]) -> tuple[int, dict, dict]:
    """Questionnaires counted, and each element's sum of scores and number of answers."""
    count, sums, answered = 0, dict.fromkeys(ELEMENT_KEYS, 0), dict.fromkeys(ELEMENT_KEYS, 0)
    for response in responses:
        unknown = sorted(set(response) - set(ELEMENT_KEYS))
        if unknown:
            raise ValueError(f"{unknown[0]}: not an element of the survey")
        scores = [(key, _score(key, response.get(key))) for key in ELEMENT_KEYS]
        given = [(key, score) for key, score in scores if score is not None]
        count += bool(given)
        for key, score in given:
            sums[key] += score
            answered[key] += 1
    return count, sums, answered


def weight(legacy: bool, answered: int) -> Fraction:
    """The weight of each answered element: 0.111 as printed in legacy mode, else exactly
    1/(answered elements). ValueError when no element was answered."""
    if answered < 1:
        raise ValueError("no element was answered, so none has a weight")
    return Fraction(LEGACY_WEIGHT) if legacy else Fraction(1, answered)


def compute_ikm(
    responses: Iterable[Mapping[str, int | None]], *, legacy: bool = False
) -> IkmResult:
    """The IKM: sum of (NRR x weight) x 25, rounded half up to 2 decimals only at the end.

    NRR of an element = sum of its scores / number of questionnaires that answered it.
    Exact mode weighs each answered element exactly 1/(answered elements), which is 1/9
    when all nine were answered: an element nobody answered is left out and the others
    re-weighted, so a skipped element does not drag the index down. One respondent with
    all 4s gives exactly 100.00. Legacy mode weighs every answered element 0.111, as the
    regulation prints it, so all 4s give 99.90; it does not round the weighted total to 3
    decimals first, since that was a habit of the older 14-element method (KepMenPAN
    25/2004), not of this one. A score that is not an integer 1..4, or a key that is not
    an element, raises ValueError naming it; None marks an element left unanswered.
    """
    count, sums, answered = _tally(responses)
    return ikm_from_totals(count, sums, answered, legacy=legacy)


def ikm_from_totals(
    count: int, sums: Mapping[str, int], answered: Mapping[str, int], *, legacy: bool = False
) -> IkmResult:
    """The IKM from running totals: questionnaires, and each element's sum of scores and
    number of answers (what `compute_ikm` tallies, or a rollup keeps month by month)."""
    answered = {key: int(answered.get(key, 0)) for key in ELEMENT_KEYS}
    nrr = {key: Fraction(sums[key], answered[key]) for key in ELEMENT_KEYS if answered[key]}
    if not nrr:
        return IkmResult(None, None, 0, dict.fromkeys(ELEMENT_KEYS), answered, None, legacy)
    total = sum(nrr.values(), Fraction(0)) * weight(legacy, len(nrr))
    ikm = _round_half_up(total * IKM_FACTOR)
    return IkmResult(
        ikm=ikm,
        band=band_of(ikm),
        responses=count,
        nrr={key: _decimal(nrr[key]) if key in nrr else None for key in ELEMENT_KEYS},
        answered=answered,
        weighted_total=_decimal(total),
        legacy=legacy,
    )


def rounded_nrr(result: IkmResult, places: int = 2) -> dict[str, Decimal | None]:
    """Each element's NRR rounded half up for a report (2 decimals unless asked)."""
    step = Decimal(1).scaleb(-places)
    return {
        key: None if value is None else value.quantize(step, rounding=ROUND_HALF_UP)
        for key, value in result.nrr.items()
    }


def weakest_elements(result: IkmResult, n: int = 3) -> list[str]:
    """The keys of the answered elements with the lowest NRR, ties in ELEMENT_KEYS order."""
    ranked = sorted(
        (value, position, key)
        for position, key in enumerate(ELEMENT_KEYS)
        if (value := result.nrr.get(key)) is not None
    )
    return [key for _, _, key in ranked[: max(n, 0)]]


def sample_size(population: int) -> int:
    """Krejcie & Morgan's sample for `population` people served, rounded half up (max 384)."""
    if population <= 0:
        return 0
    chi2, p, d2 = Fraction("3.841"), Fraction(1, 4), Fraction("0.0025")
    size = chi2 * population * p / (d2 * (population - 1) + chi2 * p)
    return math.floor(size + Fraction(1, 2))


def sample_size_met(responses: int, population: int) -> bool:
    """Whether a period's responses reach the sample size for the people served in it."""
    return responses >= sample_size(population)


SUGGESTION_MAX = 2000
PROFILE_CHOICES: dict[str, tuple[str, ...]] = {
    "age_band": ("<20", "20-29", "30-39", "40-49", "50-59", ">=60"),
    "sex": ("L", "P"),
    "education": ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3"),
    "occupation": ("PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "PELAJAR", "LAINNYA"),
}
_FIELDS = frozenset(ELEMENT_KEYS) | frozenset(PROFILE_CHOICES) | {"suggestion"}
_INTEGER = re.compile(r"-?[0-9]+")
_SCORE_TEXT = {
    "score.required": Text("Pilih salah satu jawaban", "Choose one of the answers"),
    "score.not_integer": Text(
        "Nilai harus bilangan bulat 1 sampai 4", "The score must be a whole number from 1 to 4"
    ),
    "score.out_of_range": Text("Nilai harus antara 1 dan 4", "The score must be between 1 and 4"),
}


@dataclass(frozen=True)
class SurveyAnswers:
    """A checked questionnaire: scores by element key, the suggestion, the respondent profile."""

    scores: dict[str, int]
    suggestion: str | None
    profile: dict[str, str]


def _blank(value: object) -> bool:
    """Whether a field was left empty (absent, None, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _score_or_code(value: object) -> int | str:
    """The score 1..4 given as an int or as digits in a string, or the code of the problem."""
    if isinstance(value, str):
        text = value.strip()
        if text in ("1", "2", "3", "4"):
            return int(text)
        return "score.out_of_range" if _INTEGER.fullmatch(text) else "score.not_integer"
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 4 else "score.out_of_range"
    return "score.not_integer"


def _check_scores(
    raw: Mapping[str, object], require_all: bool, errors: list[FieldError]
) -> dict[str, int]:
    """The scores given by element key; a missing one is a problem only when all are required."""
    scores = {}
    for key in ELEMENT_KEYS:
        value = raw.get(key)
        checked = "score.required" if _blank(value) else _score_or_code(value)
        if isinstance(checked, int):
            scores[key] = checked
        elif checked != "score.required" or require_all:
            errors.append(FieldError(key, checked, _SCORE_TEXT[checked]))
    return scores


_SUGGESTION_TEXT = {
    "invalid": Text("Saran harus berupa teks", "The suggestion must be text"),
    "long": Text(
        f"Saran paling banyak {SUGGESTION_MAX} karakter",
        f"A suggestion may have at most {SUGGESTION_MAX} characters",
    ),
    "control": Text(
        "Saran berisi karakter kontrol yang tidak diizinkan",
        "The suggestion contains control characters that are not allowed",
    ),
}


def _check_suggestion(value: object, errors: list[FieldError]) -> str | None:
    """The suggestion trimmed; tabs and line breaks are kept, other control characters refused."""
    if _blank(value):
        return None
    if not isinstance(value, str):
        errors.append(FieldError("suggestion", "suggestion.invalid", _SUGGESTION_TEXT["invalid"]))
        return None
    text = value.strip()
    if len(text) > SUGGESTION_MAX:
        errors.append(FieldError("suggestion", "suggestion.too_long", _SUGGESTION_TEXT["long"]))
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
        errors.append(
            FieldError("suggestion", "suggestion.control_chars", _SUGGESTION_TEXT["control"])
        )
    return text


def _check_profile(raw: Mapping[str, object], errors: list[FieldError]) -> dict[str, str]:
    """The profile fields given, matched to their choices ignoring case and spaces around."""
    profile = {}
    for key, choices in PROFILE_CHOICES.items():
        value = raw.get(key)
        if _blank(value):
            continue
        canonical = {choice.upper(): choice for choice in choices}
        found = canonical.get(value.strip().upper()) if isinstance(value, str) else None
        if found is None:
            listed = ", ".join(choices)
            text = Text(f"Pilih salah satu dari: {listed}", f"Choose one of: {listed}")
            errors.append(FieldError(key, "profile.invalid", text))
        else:
            profile[key] = found
    return profile


def check_answers(raw: Mapping[str, object], *, require_all: bool = True) -> SurveyAnswers:
    """Check a submitted questionnaire (API, form or CSV row), refusing it with every problem."""
    errors: list[FieldError] = []
    scores = _check_scores(raw, require_all, errors)
    suggestion = _check_suggestion(raw.get("suggestion"), errors)
    profile = _check_profile(raw, errors)
    unknown = Text("Isian ini bukan bagian dari survei", "This field is not part of the survey")
    errors += [FieldError(str(key), "field.unknown", unknown) for key in raw if key not in _FIELDS]
    if errors:
        refused = Text("Jawaban survei belum benar", "The survey answers are not valid")
        raise ValidationFailedError(refused, "invalid", errors)
    return SurveyAnswers(scores, suggestion, profile)


def low_elements(scores: Mapping[str, int | None]) -> list[str]:
    """The element keys scored 1, in ELEMENT_KEYS order: the low scores that are followed up."""
    return [key for key in ELEMENT_KEYS if scores.get(key) == 1]


def low_scores(answers: SurveyAnswers) -> list[str]:
    """The element keys scored 1, for which the page offers the complaint form."""
    return low_elements(answers.scores)
