"""The performance directly-follows graph, on small hand-written logs with exact answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from layan.analytics.dfg import Arc, Dfg, performance_dfg
from layan.analytics.eventlog import SCHEMA

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def log(*events: tuple[str, str, str | None, float]) -> pl.DataFrame:
    """A frame of (case, activity, lifecycle, seconds after T0) in the given order."""
    rows = [
        (case, activity, lifecycle, T0 + timedelta(seconds=at), None, None, None, None, None, None)
        for case, activity, lifecycle, at in events
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_arcs_count_and_time_each_step_from_one_activity_to_the_next() -> None:
    dfg = performance_dfg(
        log(
            ("A-1", "submit", "complete", 0),
            ("A-1", "verify", "complete", 60),
            ("A-1", "approve", "complete", 360),
            ("A-2", "submit", "complete", 0),
            ("A-2", "verify", "complete", 120),
            ("A-3", "submit", "complete", 10),
            ("A-3", "verify", "complete", 40),
        )
    )
    assert dfg.arcs == [
        Arc("submit", "verify", 3, 70.0, 60.0),
        Arc("verify", "approve", 1, 300.0, 300.0),
    ]
    assert dfg.start == {"submit": 3}
    assert dfg.end == {"approve": 1, "verify": 2}


def test_only_complete_events_count_when_the_log_has_transitions() -> None:
    dfg = performance_dfg(
        log(
            ("A-1", "submit", "complete", 0),
            ("A-1", "verify", "schedule", 1),
            ("A-1", "verify", "start", 30),
            ("A-1", "verify", "complete", 90),
            ("A-1", "approve", "schedule", 91),
            ("A-1", "approve", "COMPLETE", 100),
        )
    )
    assert dfg.arcs == [
        Arc("submit", "verify", 1, 90.0, 90.0),
        Arc("verify", "approve", 1, 10.0, 10.0),
    ]


def test_an_event_without_a_transition_counts_as_complete() -> None:
    with_none = log(("A-1", "submit", None, 0), ("A-1", "verify", "start", 5))
    with_none = pl.concat([with_none, log(("A-1", "verify", "complete", 8))])
    assert performance_dfg(with_none).arcs == [Arc("submit", "verify", 1, 8.0, 8.0)]


def test_a_log_without_transitions_keeps_every_event() -> None:
    dfg = performance_dfg(log(("A-1", "a", None, 0), ("A-1", "b", None, 2), ("A-1", "a", None, 3)))
    assert dfg.arcs == [Arc("a", "b", 1, 2.0, 2.0), Arc("b", "a", 1, 1.0, 1.0)]
    assert dfg.start == {"a": 1} and dfg.end == {"a": 1}


def test_events_are_ordered_by_time_within_their_case_and_ties_keep_the_log_order() -> None:
    dfg = performance_dfg(
        log(
            ("A-1", "c", "complete", 20),
            ("A-2", "x", "complete", 0),
            ("A-1", "a", "complete", 0),
            ("A-1", "b2", "complete", 10),
            ("A-1", "b1", "complete", 10),
        )
    )
    assert dfg.arcs == [
        Arc("a", "b2", 1, 10.0, 10.0),
        Arc("b1", "c", 1, 10.0, 10.0),
        Arc("b2", "b1", 1, 0.0, 0.0),
    ]
    assert dfg.start == {"a": 1, "x": 1}
    assert dfg.end == {"c": 1, "x": 1}


def test_the_median_of_an_even_count_is_the_middle_pair_s_mean_and_times_keep_fractions() -> None:
    dfg = performance_dfg(
        log(
            *[
                ev
                for i, gap in enumerate([1.5, 2.0, 10.0, 100.25])
                for ev in ((f"C{i}", "a", None, 0), (f"C{i}", "b", None, gap))
            ]
        )
    )
    assert dfg.arcs == [Arc("a", "b", 4, 28.4375, 6.0)]


def test_a_case_of_one_event_starts_and_ends_there_and_an_empty_log_has_nothing() -> None:
    assert performance_dfg(log(("A-1", "submit", "complete", 0))) == Dfg(
        [], {"submit": 1}, {"submit": 1}
    )
    assert performance_dfg(log()) == Dfg([], {}, {})


def test_the_json_is_the_contract_s_shape() -> None:
    dfg = performance_dfg(log(("A-1", "a", None, 0), ("A-1", "b", None, 1.5)))
    assert dfg.to_json() == {
        "arcs": [{"from": "a", "to": "b", "count": 1, "mean_seconds": 1.5, "median_seconds": 1.5}],
        "start": {"a": 1},
        "end": {"b": 1},
    }


def _naive(events: list[tuple[str, str, str | None, float]]) -> Dfg:
    """The definition, one event at a time in plain Python."""
    cases: dict[str, list[tuple[float, int, str]]] = {}
    for order, (case, activity, lifecycle, at) in enumerate(events):
        if lifecycle in (None, "complete"):
            cases.setdefault(case, []).append((at, order, activity))
    gaps: dict[tuple[str, str], list[float]] = {}
    start: dict[str, int] = {}
    end: dict[str, int] = {}
    for trace in cases.values():
        trace.sort()
        start[trace[0][2]] = start.get(trace[0][2], 0) + 1
        end[trace[-1][2]] = end.get(trace[-1][2], 0) + 1
        for (t1, _, a), (t2, _, b) in zip(trace, trace[1:], strict=False):
            gaps.setdefault((a, b), []).append(t2 - t1)
    arcs = []
    for (a, b), times in sorted(gaps.items()):
        ordered = sorted(times)
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        arcs.append(Arc(a, b, len(times), sum(times) / len(times), median))
    return Dfg(arcs, dict(sorted(start.items())), dict(sorted(end.items())))


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["A-1", "A-2", "A-3"]),
        st.sampled_from(["submit", "verify", "approve"]),
        st.sampled_from([None, "complete", "start"]),
        st.integers(0, 50).map(float),
    ),
    max_size=30,
)


@given(EVENTS)
@settings(max_examples=200, deadline=None)
def test_the_vectorised_graph_is_the_definition_computed_event_by_event(
    events: list[tuple[str, str, str | None, float]],
) -> None:
    got = performance_dfg(log(*events))
    want = _naive(events)
    assert got.start == want.start and got.end == want.end
    assert [(a.source, a.target, a.count) for a in got.arcs] == [
        (a.source, a.target, a.count) for a in want.arcs
    ]
    for mine, theirs in zip(got.arcs, want.arcs, strict=True):
        assert abs(mine.mean_seconds - theirs.mean_seconds) < 1e-9
        assert mine.median_seconds == theirs.median_seconds
