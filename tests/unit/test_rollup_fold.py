"""What each event adds to the rollups, folded without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from layan.analytics.fold import Case, Fold, LogEvent, SurveyRow, Task

T0 = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # Tuesday 08:00 WIB
HOUR = 3600.0
_ids = count(1)


class WallClocks:
    """Every hour counts as working time; a working day is 8.5 hours; months in WIB."""

    def tz(self, agency: str) -> str:
        return "Asia/Jakarta"

    def cuti(self, service: str) -> bool:
        return True

    def working_seconds(self, key: str, start: datetime, end: datetime, cuti: bool = True) -> float:
        return max((end - start).total_seconds(), 0.0)

    def day_seconds(self, agency: str) -> float:
        return 8.5 * HOUR


def event(
    activity: str,
    lifecycle: str,
    hours: float,
    case: str = "A",
    *,
    unit: str | None = None,
    agency: str = "DISDUKCAPIL",
    case_type: str = "application",
    **payload: Any,
) -> LogEvent:
    at = T0 + timedelta(hours=hours)
    return LogEvent(next(_ids), case_type, case, activity, lifecycle, at, unit, agency, payload)


def folded(*events: LogEvent, cases: dict | None = None, tasks: dict | None = None) -> Fold:  # type: ignore[type-arg]
    fold = Fold(
        WallClocks(), cases if cases is not None else {}, tasks if tasks is not None else {}
    )
    for e in events:
        fold.apply(e)
    return fold


def _month(fold: Fold, service: str = "kartu-keluarga") -> dict[str, float]:
    return dict(fold.deltas.service_months[("DISDUKCAPIL", service, "2026-06")])


def test_an_application_decided_in_time_counts_received_decided_on_time_and_its_lead_time() -> None:
    fold = folded(
        event("submit", "complete", 0, service="kartu-keluarga"),
        event("verifikasi", "schedule", 0, unit="DISDUKCAPIL.LOKET", task=1),
        event("verifikasi", "start", 0.5, unit="DISDUKCAPIL.LOKET", task=1),
        event("verifikasi", "complete", 0.85, unit="DISDUKCAPIL.LOKET", task=1, outcome="approve"),
        event("approve", "complete", 0.85, outcome="approved", late=False),
    )
    assert _month(fold) == {
        "received": 1,
        "decided": 1,
        "approved": 1,
        "on_time": 1,
        "cohort_decided": 1,
    }
    # 0.85 h of 8.5 h is exactly 0.1 working day.
    assert fold.deltas.lead_times == {
        ("DISDUKCAPIL", "kartu-keluarga", "2026-06", "1"): {"count": 1}
    }
    step = fold.deltas.step_months[
        ("DISDUKCAPIL", "DISDUKCAPIL.LOKET", "kartu-keluarga", "verifikasi", "2026-06")
    ]
    assert step["scheduled"] == 1 and step["completed"] == 1
    assert step["wait_seconds"] == 0.5 * HOUR and step["work_seconds"] == 0.35 * HOUR
    assert fold.tasks == {} and fold.closed_tasks == {1}


def test_time_waiting_on_the_applicant_is_not_lead_time() -> None:
    fold = folded(
        event("submit", "complete", 0, service="kartu-keluarga"),
        event("return", "suspend", 1, task=1),
        event("resubmit", "resume", 21, documents=[]),
        event("reject", "complete", 22.7, outcome="rejected", late=True),
    )
    month = _month(fold)
    assert month["returned"] == 1 and month["decided"] == 1 and month["on_time"] == 0
    assert month["approved"] == 0
    # 22.7 h in all, 20 h of them with the applicant: 2.7 h = 0.318 working days -> 0.4.
    assert list(fold.deltas.lead_times) == [("DISDUKCAPIL", "kartu-keluarga", "2026-06", "4")]


def test_a_decision_without_its_lateness_is_late_when_the_service_time_was_breached() -> None:
    fold = folded(
        event("submit", "complete", 0, service="kartu-keluarga"),
        event("service time breached", "complete", 9),
        event("approve", "complete", 10, outcome="approved"),
    )
    assert _month(fold)["on_time"] == 0 and _month(fold)["breached"] == 1


def test_a_case_submitted_earlier_is_found_among_the_loaded_cases() -> None:
    earlier = Case("application", "B", "DISDUKCAPIL", "kartu-keluarga", "", T0 - timedelta(days=40))
    fold = folded(
        event("approve", "complete", 1, "B", late=False), cases={("application", "B"): earlier}
    )
    assert fold.deltas.service_months[("DISDUKCAPIL", "kartu-keluarga", "2026-06")]["decided"] == 1
    # The cohort it belongs to is the month it was received.
    assert (
        fold.deltas.service_months[("DISDUKCAPIL", "kartu-keluarga", "2026-04")]["cohort_decided"]
        == 1
    )
    assert fold.changed == {("application", "B")}


def test_events_of_a_case_the_rollups_never_saw_add_nothing() -> None:
    fold = folded(event("approve", "complete", 1, "C", late=False))
    assert not fold.deltas.service_months and not fold.changed


def test_a_breached_step_counts_at_its_unit_and_a_task_started_earlier_is_closed() -> None:
    started = Task(7, "A", "pbg", "PUPR", "PUPR.TPT", "konsultasi", T0 - timedelta(hours=5), T0)
    case = Case("application", "A", "DPMPTSP", "pbg", "", T0 - timedelta(days=1))
    fold = folded(
        event("sla breached", "complete", 1, unit="PUPR.TPT", task=7, step="konsultasi"),
        event("konsultasi", "complete", 2, unit="PUPR.TPT", task=7, outcome="return", late=True),
        cases={("application", "A"): case},
        tasks={7: started},
    )
    step = fold.deltas.step_months[("PUPR", "PUPR.TPT", "pbg", "konsultasi", "2026-06")]
    assert step["breached"] == 1 and step["late"] == 1 and step["returned"] == 1
    assert step["wait_seconds"] == 5 * HOUR and step["work_seconds"] == 2 * HOUR
    assert fold.closed_tasks == {7}


def test_a_complaint_counts_where_it_was_disposed_and_once_resolved() -> None:
    fold = folded(
        event(
            "submit",
            "complete",
            0,
            "P",
            unit="POLRES.SKCK",
            agency="POLRES",
            case_type="complaint",
            category="pelayanan",
        ),
        event("dispose", "assign", 1, "P", case_type="complaint", to_unit="DPMPTSP.FO"),
        event("resolve", "complete", 30, "P", case_type="complaint", late=False),
        event("resolve", "complete", 60, "P", case_type="complaint", late=True),
    )
    assert fold.deltas.complaint_months[("POLRES", "POLRES.SKCK", "2026-06")] == {"received": 1}
    assert fold.deltas.complaint_months[("DPMPTSP", "DPMPTSP.FO", "2026-06")] == {
        "resolved": 1,
        "resolved_on_time": 1,
    }


def test_a_questionnaire_adds_its_answered_elements_only() -> None:
    fold = Fold(WallClocks(), {}, {})
    scores = {"requirements": 4, "procedure": 3, "time": None}
    fold.apply_survey(SurveyRow(1, "POLRES", "POLRES.SKCK", "skck", date(2026, 6, 3), scores))
    fold.apply_survey(
        SurveyRow(2, "POLRES", "POLRES.SKCK", "skck", date(2026, 6, 4), {"time": None})
    )
    assert fold.deltas.survey_months[("POLRES", "POLRES.SKCK", "skck", "2026-06")] == {
        "responses": 1,
        "requirements_sum": 4,
        "requirements_n": 1,
        "procedure_sum": 3,
        "procedure_n": 1,
    }


def test_a_task_handed_to_an_officer_counts_as_taken_then() -> None:
    fold = folded(
        event("submit", "complete", 0, service="pbg"),
        event("konsultasi", "schedule", 0, unit="PUPR.TPT", task=3),
        event("reassign", "assign", 2, unit="PUPR.TPT", task=3, step="konsultasi"),
        event("konsultasi", "complete", 5, unit="PUPR.TPT", task=3, outcome="approve"),
    )
    step = fold.deltas.step_months[("PUPR", "PUPR.TPT", "pbg", "konsultasi", "2026-06")]
    assert step["wait_seconds"] == 2 * HOUR and step["work_seconds"] == 3 * HOUR


def test_a_decision_cancels_the_steps_still_open() -> None:
    fold = folded(
        event("submit", "complete", 0, service="pbg"),
        event("tata_ruang", "schedule", 0, unit="PUPR.TATA-RUANG", task=4),
        event("konsultasi", "schedule", 0, unit="PUPR.TPT", task=5),
        event("konsultasi", "complete", 1, unit="PUPR.TPT", task=5, outcome="reject"),
        event("reject", "complete", 1, outcome="rejected", late=False),
    )
    assert fold.tasks == {} and fold.closed_tasks == {4, 5} and fold.ended_cases == {"A"}


def test_time_with_the_applicant_is_neither_waiting_nor_working_of_a_step_left_open() -> None:
    fold = folded(
        event("submit", "complete", 0, service="pbg"),
        event("tata_ruang", "schedule", 0, unit="PUPR.TATA-RUANG", task=6),
        event("konsultasi", "schedule", 0, unit="PUPR.TPT", task=7),
        event("konsultasi", "complete", 1, unit="PUPR.TPT", task=7, outcome="return"),
        event("return", "suspend", 1, task=7),
        event("resubmit", "resume", 11),
        event("tata_ruang", "start", 12, unit="PUPR.TATA-RUANG", task=6),
        event("tata_ruang", "complete", 13, unit="PUPR.TATA-RUANG", task=6, outcome="approve"),
    )
    step = fold.deltas.step_months[("PUPR", "PUPR.TATA-RUANG", "pbg", "tata_ruang", "2026-06")]
    # Open 13 hours, of which 10 with the applicant: 2 hours queued, 1 worked.
    assert step["wait_seconds"] == 2 * HOUR and step["work_seconds"] == 1 * HOUR
