"""Arbitrary input to the validators: they clean it or refuse it, and never fail otherwise.

Whatever a citizen, an API client or a CSV row sends (any JSON value, huge strings,
control characters, nan and infinities, nested lists, odd uploads), the validators either
return cleaned data or raise ValidationFailedError with the problems. Any other exception
would be a server error.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layan.catalogue.forms import UploadedFile, validate_application
from layan.catalogue.rules import DEMO_DIR, load_standards
from layan.complaints import checks
from layan.core.errors import ValidationFailedError
from layan.surveys.rules import ELEMENT_KEYS, PROFILE_CHOICES, check_answers

STANDARDS = load_standards(DEMO_DIR / "services")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["\x00", "\r\n\t", "\u202e", "<script>", "  ", "9" * 400, "1e309", "nan"]),
    st.integers(min_value=1, max_value=3).map(lambda n: "x" * (20_000 * n)),
)
ODD_NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 2**63, -(2**63) - 1]),
)
SCALARS = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, ODD_TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
HEADS = st.one_of(
    st.binary(max_size=16),
    st.sampled_from([b"%PDF-1.7", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"", b"PK\x03\x04"]),
)
SIZES = st.one_of(st.integers(min_value=-1, max_value=2**40), st.sampled_from([0, 1, 10**6]))


def _refused_or_clean(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return call(*args, **kwargs)
    except ValidationFailedError as exc:
        assert exc.errors, "a refusal names its problems"
        return None


@st.composite
def applications(draw):  # type: ignore[no-untyped-def]
    standard = draw(st.sampled_from(STANDARDS))
    codes = [f.code for f in standard.form if f.type != "file"]
    keys = st.one_of(st.sampled_from(codes), st.text(max_size=8)) if codes else st.text()
    data = draw(st.dictionaries(keys, JSON, max_size=len(codes) + 2))
    slots = [s.code for s in standard.document_slots()]
    upload_keys = st.one_of(st.sampled_from(slots), st.text(max_size=8)) if slots else st.text()
    uploads = draw(
        st.dictionaries(
            upload_keys,
            st.builds(
                UploadedFile,
                filename=ODD_TEXT,
                content_type=st.sampled_from(["application/pdf", "image/png", "", "x/y"]),
                size=SIZES,
                head=HEADS,
                kept=st.booleans(),
            ),
            max_size=len(slots) + 1,
        )
    )
    return standard, data, uploads


@FUZZ
@given(applications())
def test_any_application_form_is_cleaned_or_refused(case) -> None:  # type: ignore[no-untyped-def]
    standard, data, uploads = case
    cleaned = _refused_or_clean(validate_application, standard, data, uploads)
    assert cleaned is None or isinstance(cleaned, dict)


SURVEY_KEYS = st.one_of(
    st.sampled_from([*ELEMENT_KEYS, *PROFILE_CHOICES, "suggestion"]), st.text(max_size=8)
)


@FUZZ
@given(st.dictionaries(SURVEY_KEYS, JSON, max_size=16), st.booleans())
def test_any_survey_answers_are_cleaned_or_refused(raw, require_all) -> None:  # type: ignore[no-untyped-def]
    _refused_or_clean(check_answers, raw, require_all=require_all)


@FUZZ
@given(
    st.builds(
        checks.NewComplaint,
        kind=JSON,
        category=JSON,
        description=JSON,
        title=JSON,
        location=st.builds(checks.Location, lat=JSON, lon=JSON, address=JSON),
        application_number=JSON,
        privacy=JSON,
        reporter=st.builds(checks.Reporter, name=JSON, phone=JSON, email=JSON, nik=JSON),
        channel=JSON,
    ),
    st.dictionaries(st.text(max_size=8), st.tuples(SIZES, HEADS), max_size=7),
)
def test_any_complaint_is_cleaned_or_refused(new, files) -> None:  # type: ignore[no-untyped-def]
    _refused_or_clean(checks.check_complaint, new, files)


@FUZZ
@given(JSON, JSON, JSON, st.booleans(), JSON)
def test_any_complaint_part_is_cleaned_or_refused(lat, lon, address, required, text) -> None:  # type: ignore[no-untyped-def]
    _refused_or_clean(checks.check_location, lat, lon, address, required=required)
    _refused_or_clean(checks.check_text, "title", text, max_len=200, required=required)
    _refused_or_clean(checks.require_text, "reason", text)
    _refused_or_clean(
        checks.check_reporter,
        checks.Reporter(name=text, phone=lat, email=address, nik=lon),  # type: ignore[arg-type]
    )
