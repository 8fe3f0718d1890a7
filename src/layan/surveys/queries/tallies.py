"""Questionnaires in the order they were stored, for whoever keeps running totals of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from layan.core.db import UnitOfWork
from layan.surveys import rules
from layan.surveys.models import SurveyResponse


@dataclass(frozen=True)
class StoredScores:
    """One stored questionnaire's scores and where it belongs; no profile, no suggestion."""

    id: int
    agency: str
    unit: str
    service: str  # "" for a walk-in questionnaire about the unit as a whole
    answered_on: date
    recorded_at: datetime
    scores: dict[str, int | None]


def _columns():  # type: ignore[no-untyped-def]
    return (
        SurveyResponse.id,
        SurveyResponse.agency_code,
        SurveyResponse.unit_code,
        SurveyResponse.service_code,
        SurveyResponse.answered_on,
        SurveyResponse.recorded_at,
        *(getattr(SurveyResponse, key) for key in rules.ELEMENT_KEYS),
    )


def _stored(row) -> StoredScores:  # type: ignore[no-untyped-def]
    scores = dict(zip(rules.ELEMENT_KEYS, row[6:], strict=True))
    return StoredScores(row[0], row[1], row[2], row[3] or "", row[4], row[5], scores)


def scores_after(uow: UnitOfWork, last_id: int, limit: int) -> list[StoredScores]:
    """Questionnaires stored with an id above `last_id`, oldest first."""
    stmt = select(*_columns()).where(SurveyResponse.id > last_id)
    rows = uow.session.execute(stmt.order_by(SurveyResponse.id).limit(limit))
    return [_stored(row) for row in rows]


def scores_by_ids(uow: UnitOfWork, ids: list[int]) -> list[StoredScores]:
    """The questionnaires of these ids that exist (now)."""
    found = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = uow.session.execute(select(*_columns()).where(SurveyResponse.id.in_(chunk)))
        found += [_stored(row) for row in rows]
    return found


def last_scores_id(uow: UnitOfWork) -> int:
    """The largest id of a stored questionnaire (0 for none)."""
    return int(uow.session.execute(select(func.max(SurveyResponse.id))).scalar() or 0)
