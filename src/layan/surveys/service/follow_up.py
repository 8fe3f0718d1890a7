"""Follow-up actions (tindak lanjut) on a survey, and who may read and take them.

An agency admin or a supervisor of the agency (or a platform admin) turns a suggestion, a
questionnaire scored 1 or a weak element into an action with a unit in charge and a due
date, and closes it with a note; each is an event in the agency's ledger.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import Actor, record_event
from layan.surveys import queries, rules
from layan.surveys.models import ActionSource, ActionStatus, SurveyAction, SurveyResponse
from layan.surveys.service._recording import _DATE

# --- follow-up actions (tindak lanjut) on suggestions, low scores and weak elements --

ACTION_SOURCES = (ActionSource.SUGGESTION, ActionSource.LOW_SCORE, ActionSource.ELEMENT)
ACTION_TITLE_MAX = 200
ACTION_TEXT_MAX = 2000
_FOLLOW_UP_ROLES = ("agency_admin", "supervisor")
_ACTION_REFUSED = Text("Tindak lanjut belum benar", "The follow-up action is not valid")


def follow_up_role(principal: Principal, agency: str) -> str | None:
    """The role in which the principal may act on an agency's survey, or None.

    An agency admin or a supervisor of one of the agency's units, or a platform admin.
    The auditor reads but changes nothing.
    """
    held = {g.role for g in principal.grants if g.agency == agency}
    for role in _FOLLOW_UP_ROLES:
        if role in held:
            return role
    return "platform_admin" if principal.has_role("platform_admin") else None


def follow_up_agencies(uow: UnitOfWork, principal: Principal) -> list[str]:
    """The agencies whose suggestions and follow-up the principal may read."""
    if principal.reads_everything:
        return [agency.code for agency in catalogue.list_agencies(uow)]
    return sorted({g.agency for g in principal.grants if g.role in _FOLLOW_UP_ROLES and g.agency})


def _not_follow_up(agency: str) -> PermissionDeniedError:
    return PermissionDeniedError(
        Text(
            f"Hanya admin instansi atau kepala unit {agency} yang dapat menindaklanjuti survei",
            f"Only an agency admin or a supervisor of {agency} can follow up its survey",
        ),
        "survey_action.forbidden",
    )


def check_follow_up_reader(uow: UnitOfWork, principal: Principal, agency: str) -> None:
    """Refuse (403) anyone who may not read the agency's suggestions with their sources."""
    if agency not in follow_up_agencies(uow, principal):
        raise _not_follow_up(agency)


def check_follow_up_actor(principal: Principal, agency: str) -> None:
    """Refuse (403) anyone who may not make or close the agency's follow-up actions."""
    if follow_up_role(principal, agency) is None:
        raise _not_follow_up(agency)


def _actor_for(principal: Principal, agency: str) -> Actor:
    role = follow_up_role(principal, agency)
    if role is None:
        raise _not_follow_up(agency)
    grant = next((g for g in principal.grants if g.role == role and g.agency == agency), None)
    return Actor(principal.resource, role, unit=grant.unit if grant else None, agency=agency)


def _action_text(
    raw: Mapping[str, object], name: str, limit: int, required: bool, errors: list[FieldError]
) -> str | None:
    """A text field trimmed; too long, control characters or (when required) empty refused."""
    value = raw.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors.append(
                FieldError(name, f"{name}.required", Text("Wajib diisi", "This is required"))
            )
        return None
    if len(text) > limit:
        errors.append(
            FieldError(
                name,
                f"{name}.too_long",
                Text(f"Paling banyak {limit} karakter", f"At most {limit} characters"),
            )
        )
    allowed = "\t\n\r" if limit > ACTION_TITLE_MAX else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        errors.append(
            FieldError(
                name,
                f"{name}.control_chars",
                Text("Berisi karakter yang tidak diizinkan", "Contains characters not allowed"),
            )
        )
    return text


def _action_source(
    uow: UnitOfWork, agency: str, source: object, ref: object, errors: list[FieldError]
) -> SurveyResponse | None:
    """The questionnaire a suggestion or low score action answers (None for an element)."""
    ref_text = ref.strip() if isinstance(ref, str) else ""
    if source not in ACTION_SOURCES:
        errors.append(
            FieldError(
                "source",
                "source.unknown",
                Text(
                    "Sumber harus saran, nilai rendah, atau unsur",
                    "The source must be a suggestion, a low score or an element",
                ),
            )
        )
        return None
    if source == ActionSource.ELEMENT:
        if ref_text not in rules.ELEMENT_KEYS:
            errors.append(
                FieldError(
                    "source_ref",
                    "element.unknown",
                    Text("Unsur survei tidak dikenal", "Unknown survey element"),
                )
            )
        return None
    numeric = re.fullmatch(r"[0-9]{1,9}", ref_text)
    response = queries.find_response(uow, int(ref_text)) if numeric else None
    fits = response is not None and response.agency_code == agency
    if fits and source == ActionSource.SUGGESTION:
        fits = bool(response and response.suggestion)
    elif fits:
        fits = bool(response and rules.low_elements(response.scores))
    if not fits:
        errors.append(
            FieldError(
                "source_ref",
                "source_ref.unknown",
                Text(
                    f"Kuesioner {ref_text} tidak ada di instansi ini atau tidak cocok",
                    f"Questionnaire {ref_text} is not this agency's or does not match",
                ),
            )
        )
        return None
    return response


def _owner_unit(uow: UnitOfWork, agency: str, value: object, errors: list[FieldError]) -> str:
    code = value.strip() if isinstance(value, str) else ""
    try:
        unit = catalogue.get_unit(uow, code) if code else None
    except NotFoundError:
        unit = None
    if unit is None or unit.agency.code != agency:
        errors.append(
            FieldError(
                "owner_unit",
                "owner_unit.unknown",
                Text(
                    "Pilih unit penanggung jawab dari instansi ini",
                    "Choose the unit in charge from this agency",
                ),
            )
        )
        return code
    return unit.full_code


def _due_on(uow: UnitOfWork, tz: str, value: object, errors: list[FieldError]) -> date | None:
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        due = date.fromisoformat(text)
    except ValueError:
        errors.append(
            FieldError(
                "due_on",
                "due_on.invalid",
                Text(
                    "Tanggal harus berformat TTTT-BB-HH, contoh 2026-06-01",
                    "The date must be YYYY-MM-DD, e.g. 2026-06-01",
                ),
            )
        )
        return None
    if due < queries.local_today(uow, tz):
        errors.append(
            FieldError(
                "due_on",
                "due_on.past",
                Text("Tenggat tidak boleh di masa lalu", "The due date cannot be in the past"),
            )
        )
        return None
    return due


def _published_in(
    scope: queries.Scope, response: SurveyResponse | None
) -> tuple[str | None, str | None]:
    """The unit and service an action is published with: its questionnaire's, or the scope's."""
    if response is not None:
        return response.unit_code, response.service_code
    return (
        scope.code if scope.kind == "unit" else None,
        scope.code if scope.kind == "service" else None,
    )


def create_action(
    db: Database,
    principal: Principal,
    raw: Mapping[str, object],
    *,
    period: tuple[date, date],
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
) -> int:
    """Turn a suggestion, a questionnaire scored 1 or a weak element into a follow-up action.

    `raw` holds source (suggestion, low_score, element), source_ref (the questionnaire's
    id, or the element key), title, description, owner_unit (AGENCY.UNIT) and due_on
    (YYYY-MM-DD, not before today). The scope (exactly one of unit, service, agency) and
    the period (first and last day) are those of the report the action was made from; an
    action on a questionnaire is published with the questionnaire's unit and service.
    Only an agency admin or a supervisor of the agency (or a platform admin) may (403);
    422 names every field that is wrong. The new action is an event in the agency's
    ledger.
    """
    with db.unit_of_work() as uow:
        scope = queries.resolve_scope(uow, unit=unit, service=service, agency=agency)
        actor = _actor_for(principal, scope.agency)
        errors: list[FieldError] = []
        response = _action_source(
            uow, scope.agency, raw.get("source"), raw.get("source_ref"), errors
        )
        title = _action_text(raw, "title", ACTION_TITLE_MAX, True, errors)
        description = _action_text(raw, "description", ACTION_TEXT_MAX, False, errors)
        owner = _owner_unit(uow, scope.agency, raw.get("owner_unit"), errors)
        due = _due_on(uow, scope.tz, raw.get("due_on"), errors)
        if errors or title is None or due is None:
            raise ValidationFailedError(_ACTION_REFUSED, "invalid", errors)
        published = _published_in(scope, response)
        action = SurveyAction(
            agency_code=scope.agency,
            unit_code=published[0],
            service_code=published[1],
            source=str(raw.get("source")),
            source_ref=str(raw.get("source_ref")).strip(),
            period_start=min(period),
            period_end=max(period),
            title=title,
            description=description,
            owner_unit=owner,
            due_on=due,
            status=ActionStatus.OPEN,
            created_at=uow.now(),
            created_by=principal.resource,
        )
        uow.session.add(action)
        uow.session.flush()
        record_event(
            uow.session,
            ledger=scope.agency,
            case_type="survey_action",
            case_id=str(action.id),
            activity="follow-up action created",
            lifecycle="schedule",
            actor=actor,
            at=uow.now(),
            agency=scope.agency,
            unit=owner,
            payload={
                "source": action.source,
                "source_ref": action.source_ref,
                "owner_unit": owner,
                "due_on": due.isoformat(),
                "period": [min(period).isoformat(), max(period).isoformat()],
            },
        )
        uow.commit()
        return action.id


def close_action(db: Database, principal: Principal, action_id: int, note: object) -> None:
    """Mark a follow-up action done with a note saying what was done.

    403 for anyone but an agency admin or supervisor of its agency (or a platform admin),
    409 once it is done, 422 without a note. The closing is an event in the agency's ledger.
    """
    with db.unit_of_work() as uow:
        action = queries.get_action(uow, action_id, lock=True)
        actor = _actor_for(principal, action.agency_code)
        if action.status != ActionStatus.OPEN:
            raise InvalidStateError(
                Text("Tindak lanjut ini sudah selesai", "This follow-up action is already done"),
                "survey_action.done",
            )
        errors: list[FieldError] = []
        text = _action_text({"note": note}, "note", ACTION_TEXT_MAX, True, errors)
        if errors or text is None:
            raise ValidationFailedError(_ACTION_REFUSED, "invalid", errors)
        action.status = ActionStatus.DONE
        action.closed_at = uow.now()
        action.closed_by = principal.resource
        action.note = text
        record_event(
            uow.session,
            ledger=action.agency_code,
            case_type="survey_action",
            case_id=str(action.id),
            activity="follow-up action closed",
            lifecycle="complete",
            actor=actor,
            at=uow.now(),
            agency=action.agency_code,
            unit=action.owner_unit,
            payload={"source": action.source, "source_ref": action.source_ref},
        )
        uow.commit()
