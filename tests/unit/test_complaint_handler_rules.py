"""The complaint handler rule, written once in `complaints.rules`, and the Ombudsman flag."""

from __future__ import annotations

from layan.complaints import rules
from layan.complaints.rules import Status
from layan.core.access import Grant, Principal


def _principal(*grants: Grant) -> Principal:
    return Principal(1, "someone", "Someone", grants)


def test_the_handler_grant_is_the_one_held_in_the_agency() -> None:
    grant = Grant("complaint_handler", 10, "PUPR.TPT", "PUPR")
    officer = _principal(Grant("processor", 11, "DINKES.YANKES", "DINKES"), grant)
    assert rules.handler_grant(officer, "PUPR") is grant
    assert rules.handler_grant(officer, "DINKES") is None
    assert rules.handles(officer, "PUPR") and not rules.handles(officer, "DINKES")
    assert rules.handled_agencies(officer) == {"PUPR"}


def test_no_handler_grant_without_the_role() -> None:
    officer = _principal(Grant("supervisor", 11, "PUPR.TPT", "PUPR"), Grant("auditor"))
    assert rules.handler_grant(officer, "PUPR") is None
    assert rules.handled_agencies(officer) == set()


def test_a_poor_rating_on_a_closed_complaint_points_to_the_ombudsman() -> None:
    assert rules.ombudsman_next(Status.CLOSED, 1)
    assert rules.ombudsman_next(Status.CLOSED, rules.POOR_RATING)
    assert not rules.ombudsman_next(Status.CLOSED, rules.POOR_RATING + 1)
    assert not rules.ombudsman_next(Status.CLOSED, None)
    assert not rules.ombudsman_next(Status.RESOLVED, 1)
