"""Complaints as pure rules: the lifecycle, deadlines, privacy, who acts, and what is accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.applications.rules import tracking_pin
from layan.catalogue.rules import DEMO_DIR, load_agencies
from layan.complaints import checks, rules
from layan.complaints.checks import Location, NewComplaint, Reporter
from layan.complaints.rules import Action, Privacy, Status
from layan.core.access import Grant, Principal
from layan.core.calendar import WorkingCalendar, build_calendar
from layan.core.errors import InvalidStateError, ValidationFailedError

# Tuesday 2 June 2026, 08:00 WIB.
START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
CALENDAR = build_calendar(tz="Asia/Jakarta", years=range(2026, 2027))
VALID_NIK = "3204050806987767"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
INSIDE = (-6.9, 107.6)  # inside the regency's box


def _fields(exc: pytest.ExceptionInfo[ValidationFailedError]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def _new(**overrides: object) -> NewComplaint:
    values: dict[str, object] = {
        "kind": "pengaduan",
        "category": "kependudukan",
        "description": "Antrean KTP-el di loket sangat panjang dan tidak ada nomor antrean.",
    }
    values.update(overrides)
    return NewComplaint(**values)  # type: ignore[arg-type]


# --- statuses and transitions -----------------------------------------------------------


def test_every_status_is_open_or_closed_and_a_resolved_one_counts_as_closed() -> None:
    assert {rules.open_or_closed(s) for s in Status.ORDER} == {"open", "closed"}
    assert rules.open_or_closed(Status.SUBMITTED) == "open"
    assert rules.open_or_closed(Status.APPEALED) == "open"
    assert rules.open_or_closed(Status.RESOLVED) == "closed"
    assert rules.open_or_closed(Status.FORWARDED) == "closed"
    with pytest.raises(ValueError):
        rules.open_or_closed("lost")


def test_every_status_has_a_fixmystreet_name() -> None:
    assert set(rules.FIXMYSTREET) == set(Status.ORDER)
    assert rules.FIXMYSTREET[Status.FORWARDED] == "NOT_COUNCILS_RESPONSIBILITY"
    assert rules.FIXMYSTREET[Status.RESOLVED] == "FIXED"


def test_the_whole_lifecycle_closes_only_after_a_resolution() -> None:
    status = Status.SUBMITTED
    for action in (Action.VERIFY, Action.DISPOSE, Action.FOLLOW_UP, Action.RESOLVE):
        status = rules.next_status(status, action)
    assert status == Status.RESOLVED
    assert rules.next_status(status, Action.ACCEPT) == Status.CLOSED
    # No action takes a complaint still being worked straight to closed.
    for working in (Status.VERIFIED, Status.IN_PROGRESS, Status.FOLLOWED_UP):
        for action in rules.allowed_actions(working):
            assert rules.next_status(working, action) != Status.CLOSED


def test_an_action_the_status_does_not_allow_is_a_conflict() -> None:
    with pytest.raises(InvalidStateError) as exc:
        rules.next_status(Status.SUBMITTED, Action.RESOLVE)
    assert exc.value.code == "complaint.resolve.not_allowed"
    with pytest.raises(InvalidStateError):
        rules.next_status(Status.CLOSED, Action.APPEAL)


def test_settled_complaints_allow_nothing_more() -> None:
    for status in rules.FINAL_STATUSES:
        assert rules.allowed_actions(status) == ()


def test_a_poor_rating_or_a_missed_deadline_opens_an_appeal() -> None:
    assert rules.next_status(Status.RESOLVED, Action.APPEAL) == Status.APPEALED
    assert rules.next_status(Status.IN_PROGRESS, Action.DEADLINE_MISSED) == Status.APPEALED
    assert rules.next_status(Status.APPEALED, Action.REOPEN) == Status.IN_PROGRESS
    assert rules.next_status(Status.APPEALED, Action.UPHOLD) == Status.CLOSED


def test_forwarding_within_layan_starts_verification_again_and_outside_closes() -> None:
    assert rules.next_status(Status.VERIFIED, Action.FORWARD) == Status.SUBMITTED
    assert rules.next_status(Status.SUBMITTED, Action.FORWARD_OUT) == Status.FORWARDED
    with pytest.raises(InvalidStateError):
        rules.next_status(Status.IN_PROGRESS, Action.FORWARD)


# --- deadlines --------------------------------------------------------------------------


def test_verification_is_due_at_close_of_the_third_working_day() -> None:
    # Tue 2 June -> Wed, Thu, Fri: Friday 5 June 16:00 WIB.
    assert rules.deadline(CALENDAR, START, "verification") == datetime(2026, 6, 5, 9, tzinfo=UTC)
    assert rules.deadline(CALENDAR, START, "follow_up") == datetime(2026, 6, 9, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tier", "due"),
    [
        ("minor", datetime(2026, 6, 4, 9, tzinfo=UTC)),
        ("normative", datetime(2026, 6, 9, 9, tzinfo=UTC)),
        # 14 working days skip the weekends and the Islamic New Year on 16 June.
        ("investigation", datetime(2026, 6, 23, 9, tzinfo=UTC)),
        ("audit", datetime(2026, 8, 28, 9, tzinfo=UTC)),
    ],
)
def test_each_resolution_tier_counts_its_working_days(tier: str, due: datetime) -> None:
    assert rules.deadline(CALENDAR, START, "resolution", tier) == due


def test_an_agency_closure_moves_a_deadline_set_after_it() -> None:
    closed_thursday = WorkingCalendar(tz="Asia/Jakarta", holidays=frozenset({date(2026, 6, 4)}))
    assert rules.deadline(closed_thursday, START, "verification") == datetime(
        2026, 6, 8, 9, tzinfo=UTC
    )


def test_an_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError):
        rules.deadline(CALENDAR, START, "resolution", "urgent")
    with pytest.raises(ValidationFailedError) as exc:
        rules.check_tier("urgent")
    assert _fields(exc) == {"tier": "tier.unknown"}
    assert rules.check_tier("audit") == "audit"


# --- privacy and who may act ------------------------------------------------------------


def test_privacy_decides_who_sees_the_report_and_the_reporter() -> None:
    assert rules.is_public(Privacy.PUBLIC) and rules.is_public(Privacy.ANONYMOUS)
    assert not rules.is_public(Privacy.CONFIDENTIAL)
    assert not rules.reporter_shown_to_agency(Privacy.ANONYMOUS)
    assert rules.reporter_shown_to_agency(Privacy.CONFIDENTIAL)
    assert rules.reporter_shown_to_public(Privacy.PUBLIC)
    assert not rules.reporter_shown_to_public(Privacy.CONFIDENTIAL)


def test_a_public_reporter_is_named_by_first_name_and_initial() -> None:
    assert rules.public_name("Siti Rahmawati Putri") == "Siti R."
    assert rules.public_name("Yohanes") == "Yohanes"
    assert rules.public_name("  ") is None


def test_a_verifier_may_only_make_a_public_report_stricter() -> None:
    assert rules.check_privacy_change("public", "anonymous", by_reporter=False) == "anonymous"
    with pytest.raises(ValidationFailedError) as exc:
        rules.check_privacy_change("anonymous", "confidential", by_reporter=False)
    assert _fields(exc) == {"privacy": "privacy.looser"}
    with pytest.raises(ValidationFailedError):
        rules.check_privacy_change("confidential", "public", by_reporter=False)
    assert rules.check_privacy_change("anonymous", "public", by_reporter=True) == "public"


def _principal(*grants: Grant) -> Principal:
    return Principal(1, "someone", "Someone", grants)


def test_handlers_triage_the_unit_follows_up_and_its_supervisor_settles_appeals() -> None:
    handler = _principal(Grant("complaint_handler", 10, "PUPR.TPT", "PUPR"))
    processor = _principal(Grant("processor", 11, "PUPR.TATA-RUANG", "PUPR"))
    supervisor = _principal(Grant("supervisor", 11, "PUPR.TATA-RUANG", "PUPR"))
    auditor = _principal(Grant("auditor"))
    assert rules.may_act(handler, Action.VERIFY, "PUPR", None)
    assert not rules.may_act(handler, Action.VERIFY, "DINKES", None)
    assert not rules.may_act(processor, Action.VERIFY, "PUPR", 11)
    assert rules.may_act(processor, Action.RESOLVE, "PUPR", 11)
    assert not rules.may_act(processor, Action.RESOLVE, "PUPR", 12)
    assert rules.may_act(supervisor, Action.REOPEN, "PUPR", 11)
    assert not rules.may_act(handler, Action.UPHOLD, "PUPR", 11)
    assert not any(rules.may_act(auditor, a, "PUPR", 11) for a in rules.TRANSITIONS)


# --- the reporter's PIN and response ----------------------------------------------------


def test_the_complaint_pin_is_six_digits_and_never_the_application_pin() -> None:
    numbers = [rules.new_tracking_number() for _ in range(20)]
    for number in numbers:
        pin = rules.complaint_pin("secret", number)
        assert len(pin) == 6 and pin.isdigit()
        assert rules.pin_matches("secret", number, pin)
        assert not rules.pin_matches("secret", number, None)
    same = sum(rules.complaint_pin("s", n) == tracking_pin("s", n) for n in numbers)
    assert same == 0


def test_a_poor_rating_appeals_once_and_then_closes() -> None:
    assert rules.response_action(1, 0) == Action.APPEAL
    assert rules.response_action(2, 0) == Action.APPEAL
    assert rules.response_action(3, 0) == Action.ACCEPT
    assert rules.response_action(1, 1) == Action.ACCEPT
    for bad in (0, 6, "5", True, None):
        with pytest.raises(ValidationFailedError):
            rules.check_rating(bad)


def test_an_appeal_from_a_missed_deadline_has_nothing_to_uphold() -> None:
    assert rules.check_appeal_outcome("uphold", has_resolution=True) == "uphold"
    assert rules.check_appeal_outcome("reopen", has_resolution=False) == "reopen"
    with pytest.raises(ValidationFailedError) as exc:
        rules.check_appeal_outcome("uphold", has_resolution=False)
    assert _fields(exc) == {"outcome": "outcome.nothing_to_uphold"}


# --- categories -------------------------------------------------------------------------


def test_every_category_routes_to_a_unit_of_the_demo_regency() -> None:
    units = {
        f"{a.code}.{u.code}" for a in load_agencies(DEMO_DIR / "agencies.yaml") for u in a.units
    }
    assert {c.unit for c in rules.CATEGORIES} <= units
    assert rules.route("jalan-rusak") == "PUPR.TPT"
    assert rules.route("kependudukan") == "DISDUKCAPIL.LOKET"
    assert rules.route("skck") == "POLRES.SKCK"
    assert all(c.tier in rules.TIERS for c in rules.CATEGORIES)
    with pytest.raises(ValueError):
        rules.route("ufo")


# --- text -------------------------------------------------------------------------------


def test_a_description_of_4000_characters_passes_and_one_more_is_refused() -> None:
    text, problem = checks.check_text("description", "a" * 4000, max_len=4000)
    assert text == "a" * 4000 and problem is None
    text, problem = checks.check_text("description", "a" * 4001, max_len=4000)
    assert text is None and problem is not None
    assert (problem.field, problem.code) == ("description", "too_long")


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        "tolong <b>segera</b>",
        "akhir </p>",
        '<img src=x onerror="alert(1)"',
        "<!-- catatan -->",
        "<?php echo 1; ?>",
        "<svg/onload=alert(1)>",
    ],
)
def test_html_markup_is_refused(markup: str) -> None:
    _, problem = checks.check_text("description", markup, max_len=4000)
    assert problem is not None and problem.code == "markup"


@pytest.mark.parametrize(
    "prose", ["Antre < 5 menit katanya, nyatanya 3 jam", "Terima kasih <3", "biaya <= Rp10.000"]
)
def test_a_less_than_sign_in_prose_passes(prose: str) -> None:
    assert checks.check_text("description", prose, max_len=4000) == (prose, None)


@given(st.text(alphabet=st.characters(blacklist_characters="<", blacklist_categories=["Cc", "Cs"])))
def test_any_printable_text_without_a_tag_within_the_limit_passes(text: str) -> None:
    cleaned, problem = checks.check_text("t", text, max_len=4000, required=False)
    assert problem is None
    assert (cleaned is None) == (not text.strip())


@given(
    st.text(max_size=20), st.sampled_from(["a", "Z", "/b", "/Q", "!", "?"]), st.text(max_size=20)
)
def test_any_text_with_a_tag_opening_is_refused(before: str, char: str, after: str) -> None:
    _, problem = checks.check_text("t", f"x{before}<{char}{after}", max_len=4000)
    assert problem is not None


def test_control_characters_and_empty_text_are_refused() -> None:
    assert checks.check_text("t", "a\x00b", max_len=10)[1].code == "control"  # type: ignore[union-attr]
    assert checks.check_text("t", "   ", max_len=10)[1].code == "required"  # type: ignore[union-attr]
    assert checks.check_text("t", "  ", max_len=10, required=False) == (None, None)


# --- the place --------------------------------------------------------------------------


def test_a_point_outside_the_regency_is_refused_and_one_inside_passes() -> None:
    found, errors = checks.check_location(*INSIDE, None, required=True)
    assert found == Location(*INSIDE) and errors == []
    _, errors = checks.check_location(-6.2, 106.8, None, required=False)  # Jakarta
    assert [(e.field, e.code) for e in errors] == [("location", "outside")]


def test_half_a_point_or_a_non_number_is_refused() -> None:
    _, errors = checks.check_location(-6.9, None, None, required=False)
    assert [(e.field, e.code) for e in errors] == [("location.lon", "required")]
    _, errors = checks.check_location("nan", "107.6", None, required=False)
    assert [e.field for e in errors] == ["location.lat"]
    _, errors = checks.check_location(True, 107.6, None, required=False)
    assert [e.field for e in errors] == ["location.lat"]
    found, errors = checks.check_location("-6,9", "107.6", None, required=False)
    assert errors == [] and found.lat == -6.9


def test_a_road_complaint_needs_a_point_or_an_address() -> None:
    _, errors = checks.check_location(None, None, "", required=True)
    assert [(e.field, e.code) for e in errors] == [("location", "required")]
    found, errors = checks.check_location(None, None, " Jl. Merdeka  No. 5 ", required=True)
    assert errors == [] and found.address == "Jl. Merdeka No. 5"


def test_two_places_within_200_metres_or_at_one_address_are_the_same() -> None:
    here = Location(-6.9, 107.6)
    assert round(checks.distance_m(-6.9, 107.6, -6.901, 107.6)) == 111
    assert checks.same_place(here, Location(-6.9015, 107.6))
    assert not checks.same_place(here, Location(-6.903, 107.6))
    assert checks.same_place(
        Location(address="Jl. Merdeka No.5"), Location(address="jalan merdeka nomor 5")
    )
    assert not checks.same_place(
        Location(address="Jl. Merdeka 5"), Location(address="Jl. Merdeka 7")
    )
    south, north, west, east = checks.around(-6.9, 107.6)
    assert south < -6.9015 < north and west < 107.6 < east


# --- files and the reporter -------------------------------------------------------------


def test_only_jpg_png_and_pdf_up_to_5_mb_are_accepted_by_their_bytes() -> None:
    assert checks.check_attachment("photo", 100, PNG) == ("png", None)
    assert checks.check_attachment("doc", 100, b"%PDF-1.4") == ("pdf", None)
    limit = checks.MAX_ATTACHMENT_BYTES
    assert checks.check_attachment("photo", limit, b"\xff\xd8\xff\xe0")[0] == "jpg"
    refusals = {
        "big": (limit + 1, PNG, "file.too_large"),
        "exe": (100, b"MZ\x90\x00", "file.executable"),
        "elf": (100, b"\x7fELF", "file.executable"),
        "gif": (100, b"GIF89a", "file.type"),
        "empty": (0, b"", "file.empty"),
    }
    for name, (size, head, code) in refusals.items():
        kind, problem = checks.check_attachment(name, size, head)
        assert (
            kind is None and problem is not None and (problem.field, problem.code) == (name, code)
        )


def test_at_most_five_files_are_accepted() -> None:
    _, errors = checks.check_attachments({f"photo{i}": (10, PNG) for i in range(6)})
    assert [e.code for e in errors] == ["files.too_many"]


def test_the_reporter_is_optional_but_what_is_given_must_be_valid() -> None:
    cleaned, errors = checks.check_reporter(Reporter())
    assert cleaned.empty and errors == []
    cleaned, errors = checks.check_reporter(
        Reporter("Siti  Rahmawati", "0812-3456-7890", " Siti@Contoh.ID ", VALID_NIK)
    )
    assert errors == []
    assert cleaned == Reporter("Siti Rahmawati", "081234567890", "siti@contoh.id", VALID_NIK)
    _, errors = checks.check_reporter(Reporter("<b>Siti</b>", "12", "nope", "1234"))
    assert {e.field for e in errors} == {
        "reporter.name",
        "reporter.phone",
        "reporter.email",
        "reporter.nik",
    }


def test_a_submission_reports_every_problem_at_once() -> None:
    bad = _new(
        kind="gossip",
        category="ufo",
        description="x" * 4001,
        title="<i>judul</i>",
        location=Location(-6.2, 106.8),
        application_number="NOT-A-NUMBER",
        privacy="secret",
    )
    with pytest.raises(ValidationFailedError) as exc:
        checks.check_complaint(bad, {"photo": (100, b"MZ")})
    assert _fields(exc) == {
        "kind": "unknown",
        "category": "unknown",
        "privacy": "unknown",
        "description": "too_long",
        "title": "markup",
        "location": "outside",
        "application_number": "tracking_number.invalid",
        "photo": "file.executable",
    }


def test_a_valid_submission_comes_back_cleaned_with_its_file_types() -> None:
    number = rules.new_tracking_number()
    cleaned, kinds = checks.check_complaint(
        _new(
            title="  Antrean   panjang ",
            application_number=rules.format_tracking_number(number).lower(),
            privacy="anonymous",
        ),
        {"photo": (100, PNG)},
    )
    assert cleaned.title == "Antrean panjang"
    assert cleaned.application_number == number
    assert kinds == {"photo": "png"}
