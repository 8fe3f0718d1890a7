"""Deadlines on working days, the breach sweep, calendar changes and standard versions."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.applications.models import Application, Task
from layan.applications.sweep import sweep_deadlines
from layan.catalogue import queries as catalogue
from layan.catalogue import service as catalogue_service
from layan.core.db import Database
from layan.core.events import Event
from tests.conftest import Clock
from tests.factories import officer_for, standard, submit


def _task(db: Database, number: str) -> Task:
    with db.unit_of_work(readonly=True) as uow:
        return (
            uow.session.execute(
                select(Task)
                .join(Application)
                .where(Application.tracking_number == number)
                .order_by(Task.id)
            )
            .scalars()
            .first()
        )


def test_a_missed_deadline_is_marked_once_and_escalated_to_the_supervisor(
    client: TestClient, db: Database, clock: Clock
) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    task = _task(db, number)
    assert sweep_deadlines(db) == 0
    clock.now = task.due_at.replace(microsecond=0)
    clock.advance(minutes=1)
    assert sweep_deadlines(db) >= 1
    assert sweep_deadlines(db) == 0  # marked once
    late = _task(db, number)
    assert late.breached_at == clock.now
    supervisor = officer_for(task.unit_code, "supervisor")
    assert late.escalated_to is not None
    with db.unit_of_work(readonly=True) as uow:
        activities = [
            e.activity
            for e in uow.session.execute(select(Event).where(Event.case_id == number)).scalars()
        ]
    assert "sla breached" in activities and "escalate" in activities
    assert supervisor  # the unit has a supervisor to escalate to


def test_a_task_deadline_counts_working_days_only(client: TestClient, db: Database) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    task = _task(db, number)
    step = standard("pbg").procedure[0]
    with db.unit_of_work(readonly=True) as uow:
        calendar = catalogue.calendar_for_unit(uow, catalogue.get_unit(uow, step.unit))
    assert calendar.working_days_between(task.created_at, task.due_at) == step.sla.days or (
        step.sla.hours and not step.sla.days
    )
    assert calendar.is_working_day(task.due_at)


def test_a_holiday_added_later_does_not_move_deadlines_already_given(
    client: TestClient, db: Database
) -> None:
    first = submit(client, "pbg").json()
    due = datetime.fromisoformat(first["due_at"])
    catalogue_service.change_calendar_day(
        db.unit_of_work(), day=date(2026, 6, 3), kind="holiday", action="add", name="Libur daerah"
    )
    tracked = client.get(f"/api/v1/applications/{first['tracking_number']}").json()
    assert datetime.fromisoformat(tracked["due_at"]) == due
    second = submit(client, "pbg", seed=5).json()
    assert datetime.fromisoformat(second["due_at"]) > due  # the new day off counts from now on


def test_a_new_version_of_a_standard_leaves_earlier_applications_alone(
    client: TestClient, db: Database
) -> None:
    earlier = submit(client, "pbg").json()["tracking_number"]
    changed = standard("pbg").model_copy(
        update={"fee": standard("pbg").fee.model_copy(update={"amount": 123_456})}
    )
    assert catalogue_service.publish_standard(db.unit_of_work(), changed) == 2
    assert (
        catalogue_service.publish_standard(db.unit_of_work(), changed) == 2
    )  # same text, no new version
    later = submit(client, "pbg", seed=3).json()["tracking_number"]
    with db.unit_of_work(readonly=True) as uow:
        versions = {
            a.tracking_number: catalogue.get_standard_version(uow, a.standard_version_id)
            for a in uow.session.execute(select(Application)).scalars()
        }
    assert versions[earlier].version == 1 and versions[earlier].standard.fee.amount != 123_456
    assert versions[later].version == 2 and versions[later].standard.fee.amount == 123_456
    assert client.get("/api/v1/services/pbg").json()["fee"]["amount"] == 123_456
