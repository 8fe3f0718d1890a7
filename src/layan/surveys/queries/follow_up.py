"""Follow-up actions (tindak lanjut) as the report and the officers' list show them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, or_, select

from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.surveys.models import ActionStatus, SurveyAction
from layan.surveys.queries._shared import Scope


@dataclass(frozen=True)
class ActionView:
    """A follow-up action as the report and the officers' list show it."""

    id: int
    agency: str
    unit: str | None
    service: str | None
    source: str
    source_ref: str
    title: str
    description: str | None
    owner_unit: str
    due_on: date
    status: str
    period_start: date
    period_end: date
    created_at: datetime
    closed_at: datetime | None
    note: str | None

    @property
    def done(self) -> bool:
        return self.status == ActionStatus.DONE

    def overdue(self, today: date) -> bool:
        """Still open after its due date."""
        return not self.done and today > self.due_on


def _action_view(row: SurveyAction) -> ActionView:
    return ActionView(
        row.id,
        row.agency_code,
        row.unit_code,
        row.service_code,
        row.source,
        row.source_ref,
        row.title,
        row.description,
        row.owner_unit,
        row.due_on,
        row.status,
        row.period_start,
        row.period_end,
        row.created_at,
        row.closed_at,
        row.note,
    )


_OPEN_FIRST = (
    case((SurveyAction.status == ActionStatus.OPEN, 0), else_=1),
    SurveyAction.due_on,
    SurveyAction.id,
)


def scope_actions(
    uow: UnitOfWork, scope: Scope, start: date, end: date, *, limit: int = 200
) -> list[ActionView]:
    """The follow-up actions made from reports of a scope for a period overlapping
    [start, end], open ones first by due date.

    A unit's report lists the actions about it and those it owns; an agency's, all.
    """
    conditions = [SurveyAction.agency_code == scope.agency]
    if scope.kind == "unit":
        conditions.append(
            or_(SurveyAction.unit_code == scope.code, SurveyAction.owner_unit == scope.code)
        )
    elif scope.kind == "service":
        conditions.append(SurveyAction.service_code == scope.code)
    rows = uow.session.execute(
        select(SurveyAction)
        .where(*conditions, SurveyAction.period_start <= end, SurveyAction.period_end >= start)
        .order_by(*_OPEN_FIRST)
        .limit(max(1, min(limit, 1000)))
    ).scalars()
    return [_action_view(row) for row in rows]


def agency_actions(
    uow: UnitOfWork, agencies: Sequence[str], *, status: str | None = None, limit: int = 500
) -> list[ActionView]:
    """The follow-up actions of some agencies (all, or of one status), open ones first."""
    stmt = select(SurveyAction).where(SurveyAction.agency_code.in_(list(agencies)))
    if status:
        stmt = stmt.where(SurveyAction.status == status)
    rows = uow.session.execute(stmt.order_by(*_OPEN_FIRST).limit(max(1, min(limit, 5000))))
    return [_action_view(row) for row in rows.scalars()]


def actions_by_source(
    uow: UnitOfWork, agency: str, source: str, refs: Sequence[str]
) -> dict[str, list[ActionView]]:
    """The actions already taken on some suggestions, questionnaires or elements, by ref."""
    if not refs:
        return {}
    rows = uow.session.execute(
        select(SurveyAction)
        .where(
            SurveyAction.agency_code == agency,
            SurveyAction.source == source,
            SurveyAction.source_ref.in_(list(refs)),
        )
        .order_by(SurveyAction.id)
    ).scalars()
    found: dict[str, list[ActionView]] = {}
    for row in rows:
        found.setdefault(row.source_ref, []).append(_action_view(row))
    return found


def get_action(uow: UnitOfWork, action_id: int, *, lock: bool = False) -> SurveyAction:
    """A follow-up action by id; NotFound if there is none."""
    stmt = select(SurveyAction).where(SurveyAction.id == action_id)
    found = uow.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            Text("Tindak lanjut tidak ditemukan", "Follow-up action not found"),
            "survey_action.not_found",
        )
    return found


def action_view(uow: UnitOfWork, action_id: int) -> ActionView:
    return _action_view(get_action(uow, action_id))


def agency_units(uow: UnitOfWork, agency: str) -> list[tuple[str, str]]:
    """An agency's units as (AGENCY.UNIT, name), in code order."""
    found = catalogue.find_agency(uow, agency)
    return [(unit.full_code, unit.name) for unit in found.units] if found else []
