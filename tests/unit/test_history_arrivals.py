"""When the generated history's citizens apply, and how its officers behave."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from layan.catalogue.standard import Duration, Step
from layan.demo_history import arrivals, behaviour

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)


def _year(count: int = 20_000) -> list[arrivals.Arrival]:
    return arrivals.arrivals(
        random.Random(1),
        count,
        date(2025, 7, 1),
        date(2026, 6, 30),
        days_off=frozenset({date(2025, 12, 25), date(2026, 1, 1)}),
        now=NOW,
    )


def test_exactly_the_count_in_time_order_and_none_after_now() -> None:
    found = _year()
    assert len(found) == 20_000
    assert [a.at for a in found] == sorted(a.at for a in found)
    assert found[-1].at <= NOW


def test_mondays_are_busiest_weekends_nearly_empty_mornings_carry_the_day() -> None:
    local = [a.at.astimezone(JAKARTA) for a in _year()]
    weekday = Counter(moment.weekday() for moment in local)
    assert weekday[0] > weekday[2] > weekday[4] > 5 * weekday[5]
    hours = Counter(moment.hour for moment in local)
    assert hours[9] > 5 * hours[20] and hours[3] < hours[9] / 20


def test_holidays_are_quiet_and_july_brings_the_birth_certificates() -> None:
    found = _year(60_000)
    by_day = Counter(a.at.astimezone(JAKARTA).date() for a in found)
    assert by_day[date(2025, 12, 25)] < by_day[date(2025, 12, 24)] / 2
    births = Counter(a.at.astimezone(JAKARTA).month for a in found if a.service == "akta-kelahiran")
    assert births[7] > 1.3 * births[9]


def test_the_mix_follows_a_regencys_proportions() -> None:
    mix = Counter(a.service for a in _year())
    assert mix["ktp-el-baru"] > mix["kartu-keluarga"] > mix["pbg"] > 0


def _step(role: str, sla: Duration) -> Step:
    return Step(code="s", name={"id": "S", "en": "S"}, unit="A.B", role=role, sla=sla)


def test_a_step_in_days_waits_on_more_than_its_officer() -> None:
    rng = random.Random(2)
    hours = [behaviour.step_time(rng, _step("processor", Duration(hours=4))) for _ in range(500)]
    days = [behaviour.step_time(rng, _step("processor", Duration(days=10))) for _ in range(500)]
    assert all(t.hold == 0 for t in hours)
    assert sorted(t.hold for t in days)[250] > 20 * sorted(t.touch for t in days)[250]


def test_returns_only_when_the_step_may_return_and_refusals_are_rare() -> None:
    rng = random.Random(3)
    step = _step("front_desk", Duration(hours=1))
    free = Counter(behaviour.outcome(rng, step, may_return=True) for _ in range(20_000))
    held = Counter(behaviour.outcome(rng, step, may_return=False) for _ in range(20_000))
    assert 0.06 < free["return"] / 20_000 < 0.10 and held["return"] == 0
    assert 0 < free["reject"] < free["return"]
