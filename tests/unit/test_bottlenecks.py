"""Where a service's time goes, computed on small logs whose answers are known by hand.

The calendar is Indonesia's of 2026 at government hours (07:30-16:00 WIB, Monday to
Friday): Friday 29 May is a working day, Monday 1 June (Hari Lahir Pancasila) is not.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from layan.analytics.bottlenecks import find_bottlenecks
from layan.analytics.eventlog import SCHEMA
from layan.analytics.measures import measured_instances
from layan.analytics.working_time import ClockBook
from layan.core.calendar import build_calendar
from layan.core.worktime import WorkingClock

WIB = ZoneInfo("Asia/Jakarta")
SPAN = (date(2026, 1, 1), date(2026, 12, 31))
GOVERNMENT = WorkingClock(build_calendar(years=[2026]), *SPAN)
COUNTER = WorkingClock(build_calendar(years=[2026], closes=time(15, 0)), *SPAN)
BOOK = ClockBook(GOVERNMENT, {"A.LOKET": COUNTER})
DAY = 8.5  # working hours in a government day


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def event(
    case: str,
    activity: str,
    lifecycle: str | None,
    when: datetime,
    unit: str | None = None,
    task: int | None = None,
    outcome: str | None = None,
) -> tuple:
    agency = unit.split(".")[0] if unit else "A"
    return (case, activity, lifecycle, when, None, None, unit, agency, task, outcome)


def step(
    case: str, code: str, unit: str, task: int, times: tuple, outcome: str = "approve"
) -> list[tuple]:
    """A step's three events: scheduled, taken, decided."""
    scheduled, started, completed = times
    return [
        event(case, code, "schedule", scheduled, unit, task),
        event(case, code, "start", started, unit, task),
        event(case, code, "complete", completed, unit, task, outcome),
    ]


def log(*rows: tuple | list[tuple]) -> pl.DataFrame:
    flat: list[tuple] = []
    for row in rows:
        flat.extend(row if isinstance(row, list) else [row])
    frame = pl.DataFrame(flat, schema=SCHEMA, orient="row")
    return frame.with_row_index("_n").sort("case_id", "timestamp", "_n").drop("_n")


def straight_case(case: str = "c1", task: int = 1) -> pl.DataFrame:
    """Counter (A.LOKET) then a technical step at another agency (B.TEKNIS), approved."""
    return log(
        event(case, "submit", "complete", at(5, 29, 13)),
        step(case, "loket", "A.LOKET", task, (at(5, 29, 13), at(6, 2, 9), at(6, 2, 10))),
        step(case, "teknis", "B.TEKNIS", task + 1, (at(6, 2, 10), at(6, 2, 15), at(6, 3, 9))),
        event(case, "approve", "complete", at(6, 3, 9)),
    )


def test_waiting_and_working_count_only_the_units_working_hours() -> None:
    found = find_bottlenecks(straight_case(), BOOK)
    steps = {s.step: s for s in found.steps}
    # Friday 13:00-15:00 at the counter, the weekend and Pancasila Day off, 07:30-09:00.
    assert steps["loket"].waiting.median == pytest.approx(3.5)
    assert steps["loket"].working.median == pytest.approx(1.0)
    # 10:00-15:00 waiting; taken 15:00, decided next morning 09:00: 1 + 1.5 hours.
    assert steps["teknis"].waiting.median == pytest.approx(5.0)
    assert steps["teknis"].working.median == pytest.approx(2.5)
    assert steps["teknis"].waiting_share == pytest.approx(66.7)
    assert [s.step for s in found.steps] == ["teknis", "loket"]  # 7.5 hours before 4.5


def test_a_case_lead_time_is_in_the_services_working_days() -> None:
    found = find_bottlenecks(straight_case(), BOOK)
    # Friday 13:00-16:00, Tuesday 07:30-16:00, Wednesday 07:30-09:00: 3 + 8.5 + 1.5 hours.
    assert found.lead_days.median == pytest.approx(13 / DAY)
    assert (found.cases, found.decided) == (1, 1)


def test_percentiles_summarise_every_instance_of_a_step() -> None:
    cases = [
        log(
            event(f"c{i}", "submit", "complete", at(6, 2, 8)),
            step(f"c{i}", "teknis", "B.TEKNIS", i, (at(6, 2, 8), at(6, 2, 8 + i), at(6, 2, 15))),
        )
        for i in range(1, 5)
    ]
    found = find_bottlenecks(pl.concat(cases), BOOK)
    waiting = found.steps[0].waiting
    assert (waiting.n, waiting.mean, waiting.median) == (4, 2.5, 2.5)
    assert waiting.p90 == pytest.approx(3.7)  # linear between the 3rd and 4th of 1, 2, 3, 4


def test_a_handoff_to_another_agency_counts_the_receiving_units_wait() -> None:
    found = find_bottlenecks(pl.concat([straight_case("c1", 1), straight_case("c2", 3)]), BOOK)
    assert len(found.handoffs) == 1
    handoff = found.handoffs[0]
    assert (handoff.from_unit, handoff.to_unit, handoff.count) == ("A.LOKET", "B.TEKNIS", 2)
    assert handoff.across_agencies
    assert handoff.waiting.median == pytest.approx(5.0)
    assert (found.unit_handoffs, found.agency_handoffs) == (2, 2)


def test_a_handoff_within_a_unit_is_not_a_handoff() -> None:
    frame = log(
        event("c1", "submit", "complete", at(6, 2, 8)),
        step("c1", "cek", "A.LOKET", 1, (at(6, 2, 8), at(6, 2, 9), at(6, 2, 10))),
        step("c1", "cetak", "A.LOKET", 2, (at(6, 2, 10), at(6, 2, 11), at(6, 2, 12))),
    )
    assert find_bottlenecks(frame, BOOK).handoffs == []


def returned_case(case: str = "r1", task: int = 11) -> pl.DataFrame:
    """The counter returns the case; the applicant takes until Wednesday 10:00 to fix it."""
    return log(
        event(case, "submit", "complete", at(6, 2, 8)),
        step(case, "loket", "A.LOKET", task, (at(6, 2, 8), at(6, 2, 9), at(6, 2, 10)), "return"),
        event(case, "return", "suspend", at(6, 2, 10), "A.LOKET", task),
        event(case, "resubmit", "resume", at(6, 3, 10)),
        step(case, "loket", "A.LOKET", task + 1, (at(6, 3, 10), at(6, 3, 11), at(6, 3, 12))),
        step(case, "teknis", "B.TEKNIS", task + 2, (at(6, 3, 12), at(6, 3, 13), at(6, 3, 14))),
        event(case, "approve", "complete", at(6, 3, 14)),
    )


def test_a_return_to_the_applicant_is_rework_of_the_step_that_returned_it() -> None:
    found = find_bottlenecks(returned_case(), BOOK)
    loket = next(r for r in found.rework if r.step == "loket")
    assert (loket.cases, loket.repeated_cases, loket.extra_passes, loket.returns) == (1, 1, 1, 1)
    assert loket.return_rate == 50.0  # one of its two decisions
    # Tuesday 10:00 to Wednesday 10:00 is one government day of 8.5 hours.
    assert loket.applicant_days.median == pytest.approx(1.0)
    assert loket.still_with_applicant == 0
    teknis = next(r for r in found.rework if r.step == "teknis")
    assert (teknis.returns, teknis.repeated_cases) == (0, 0)


def test_the_applicants_correction_time_does_not_count_as_lead_time() -> None:
    found = find_bottlenecks(returned_case(), BOOK)
    # Tuesday 08:00-10:00 and Wednesday 10:00-14:00: 6 hours of the service's time.
    assert found.lead_days.median == pytest.approx(6 / DAY)


def test_a_parallel_step_is_not_charged_for_the_time_the_applicant_had_the_case() -> None:
    frame = log(
        event("c1", "submit", "complete", at(6, 2, 8)),
        step("c1", "ruang", "B.RUANG", 1, (at(6, 2, 8), at(6, 3, 11), at(6, 3, 12))),
        step("c1", "teknis", "B.TEKNIS", 2, (at(6, 2, 8), at(6, 2, 9), at(6, 2, 10)), "return"),
        event("c1", "return", "suspend", at(6, 2, 10), "B.TEKNIS", 2),
        event("c1", "resubmit", "resume", at(6, 3, 10)),
    )
    ruang = next(s for s in find_bottlenecks(frame, BOOK).steps if s.step == "ruang")
    # Waited Tuesday 08:00-10:00 and Wednesday 10:00-11:00; the 8.5 hours between were paused.
    assert ruang.waiting.median == pytest.approx(3.0)


def test_the_variant_of_a_reworked_case_shows_the_repeat() -> None:
    frame = pl.concat([straight_case("c1", 1), straight_case("c2", 3), returned_case()])
    shown = find_bottlenecks(frame, BOOK).variants
    assert [(v.steps, v.cases) for v in shown.shown] == [
        (("loket", "teknis"), 2),
        (("loket", "loket", "teknis"), 1),
    ]
    assert shown.shown[0].share == pytest.approx(66.7)
    assert shown.shown[0].lead_days.median == pytest.approx(13 / DAY)
    assert shown.decided == 3


def test_only_the_most_frequent_variants_are_shown_the_rest_counted() -> None:
    frame = pl.concat([straight_case("c1", 1), straight_case("c2", 3), returned_case()])
    shown = find_bottlenecks(frame, BOOK, top_variants=1).variants
    assert len(shown.shown) == 1
    assert (shown.other_cases, shown.other_paths) == (1, 1)


def breached_case() -> pl.DataFrame:
    """Two steps both past their SLA; `teknis` overran its own by more."""
    return log(
        event("c9", "submit", "complete", at(6, 2, 8)),
        step("c9", "loket", "A.LOKET", 1, (at(6, 2, 8), at(6, 2, 13), at(6, 2, 14))),
        step("c9", "teknis", "B.TEKNIS", 2, (at(6, 2, 14), at(6, 4, 9), at(6, 4, 10))),
        event("c9", "sla breached", "complete", at(6, 2, 10), "A.LOKET", 1),
        event("c9", "sla breached", "complete", at(6, 3, 14), "B.TEKNIS", 2),
        event("c9", "service time breached", "complete", at(6, 4, 8)),
        event("c9", "approve", "complete", at(6, 4, 10)),
    )


def test_a_breached_service_time_is_laid_at_the_step_that_overran_its_own_sla_most() -> None:
    slas = {"loket": 2 * 3600.0, "teknis": 8.5 * 3600.0}
    found = find_bottlenecks(breached_case(), BOOK, sla_seconds=slas)
    causes = {b.step: b for b in found.breaches}
    assert (causes["loket"].step_breaches, causes["teknis"].step_breaches) == (1, 1)
    # loket stayed 6 hours for 2 (4 over); teknis 2 + 8.5 + 2.5 = 13 hours for 8.5 (4.5 over).
    assert causes["teknis"].service_breaches == 1
    assert causes["teknis"].overrun_hours.median == pytest.approx(4.5)
    assert causes["loket"].service_breaches == 0
    assert (found.breached_cases, found.unattributed_breaches) == (1, 0)
    assert found.breaches[0].step == "teknis"


def test_a_breach_no_step_explains_is_counted_as_unattributed() -> None:
    generous = {"loket": 100 * 3600.0, "teknis": 100 * 3600.0}
    found = find_bottlenecks(breached_case(), BOOK, sla_seconds=generous)
    assert (found.breached_cases, found.unattributed_breaches) == (1, 1)
    assert all(b.service_breaches == 0 for b in found.breaches)


def test_an_open_step_is_measured_up_to_the_moment_of_the_analysis() -> None:
    frame = log(
        event("c1", "submit", "complete", at(6, 2, 8)),
        event("c1", "loket", "schedule", at(6, 2, 8), "A.LOKET", 1),
    )
    measured = measured_instances(frame, BOOK, as_of=at(6, 2, 12))
    assert measured["stay_s"].to_list() == [4 * 3600.0]
    assert measured["wait_s"].to_list() == [None]  # not taken yet: no waiting time to count
    found = find_bottlenecks(frame, BOOK, as_of=at(6, 2, 12))
    assert (found.cases, found.decided, found.lead_days.n) == (1, 0, 0)


def imported(rows: list[tuple]) -> pl.DataFrame:
    """An imported log: no tasks, no outcomes, units named as the old system named them."""
    return log(*[(c, a, lc, t, None, None, u, "A", None, None) for c, a, lc, t, u in rows])


def test_an_imported_log_pairs_a_steps_events_by_activity_within_the_case() -> None:
    frame = imported(
        [
            ("x1", "Verifikasi", "schedule", at(6, 2, 8), "Loket"),
            ("x1", "Verifikasi", "start", at(6, 2, 9), "Loket"),
            ("x1", "Verifikasi", "complete", at(6, 2, 10), "Loket"),
            ("x1", "Verifikasi", "start", at(6, 2, 12), "Loket"),  # a second pass, not scheduled
            ("x1", "Verifikasi", "complete", at(6, 2, 15), "Loket"),
            ("x1", "Tanda tangan", "schedule", at(6, 2, 15), "Kadis"),
            ("x1", "Tanda tangan", "complete", at(6, 3, 8), "Kadis"),
        ]
    )
    found = find_bottlenecks(frame, ClockBook(GOVERNMENT), imported=True)
    steps = {s.step: s for s in found.steps}
    assert steps["Verifikasi"].instances == 2
    assert steps["Verifikasi"].waiting.n == 1 and steps["Verifikasi"].waiting.median == 1.0
    assert steps["Verifikasi"].working.median == pytest.approx(2.0)  # 1 and 3 hours
    assert steps["Tanda tangan"].working.n == 0  # never taken: its working time is unknown
    assert found.rework[0].repeated_cases == 1
    assert found.handoffs[0].to_unit == "Kadis"
    assert found.variants.shown[0].steps == ("Verifikasi", "Verifikasi", "Tanda tangan")
    # An imported trace runs from its first event to its last: 8 + 0.5 hours.
    assert found.lead_days.median == pytest.approx(1.0)


def test_without_lifecycles_a_step_lasts_from_the_cases_previous_event() -> None:
    frame = imported(
        [
            ("x1", "Daftar", None, at(6, 2, 8), "Loket"),
            ("x1", "Periksa", None, at(6, 2, 11), "Teknis"),
            ("x1", "Terbit", None, at(6, 3, 9), "Kadis"),
        ]
    )
    found = find_bottlenecks(frame, ClockBook(GOVERNMENT), imported=True)
    steps = {s.step: s for s in found.steps}
    assert steps["Periksa"].working.median == pytest.approx(3.0)
    assert steps["Terbit"].working.median == pytest.approx(6.5)  # 11:00-16:00, 07:30-09:00
    assert steps["Daftar"].working.n == 0  # the first event began nothing we saw
    assert all(s.waiting.n == 0 for s in found.steps)
    assert [(h.from_unit, h.to_unit) for h in found.handoffs] == [
        ("Loket", "Teknis"),
        ("Teknis", "Kadis"),
    ]
    assert all(h.waiting.n == 0 for h in found.handoffs)  # no start: no wait to measure


def test_an_empty_log_gives_empty_figures() -> None:
    found = find_bottlenecks(log(), BOOK)
    assert (found.cases, found.steps, found.handoffs, found.variants.shown) == (0, [], [], [])
    assert found.lead_days.n == 0


def test_a_task_given_by_a_supervisor_was_taken_when_it_was_given() -> None:
    frame = log(
        event("c1", "submit", "complete", at(6, 2, 8)),
        event("c1", "teknis", "schedule", at(6, 2, 8), "B.TEKNIS", 1),
        event("c1", "reassign", "assign", at(6, 2, 10), "B.TEKNIS", 1),
        event("c1", "teknis", "complete", at(6, 2, 11), "B.TEKNIS", 1, "approve"),
    )
    (teknis,) = find_bottlenecks(frame, BOOK).steps
    assert (teknis.waiting.median, teknis.working.median) == (2.0, 1.0)


def test_a_step_cancelled_by_the_cases_decision_ends_with_the_case() -> None:
    frame = log(
        event("c1", "submit", "complete", at(6, 2, 8)),
        step("c1", "ruang", "B.RUANG", 1, (at(6, 2, 8), at(6, 2, 9), at(6, 2, 10)), "reject"),
        event("c1", "teknis", "schedule", at(6, 2, 8), "B.TEKNIS", 2),
        event("c1", "reject", "complete", at(6, 2, 10)),
    )
    measured = measured_instances(frame, BOOK, as_of=at(6, 9, 8))
    stays = dict(zip(measured["step"], measured["stay_s"], strict=True))
    assert stays == {"ruang": 2 * 3600.0, "teknis": 2 * 3600.0}  # not the week since
