"""What the officers' use cases share: the length of a reason, refusals, units, disposing."""

from __future__ import annotations

from typing import Any

from layan.catalogue import queries as catalogue
from layan.complaints import checks, procedure
from layan.complaints.models import Complaint
from layan.complaints.rules import Action
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError

MAX_REASON = 2000


def _refuse(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(checks.INVALID, "invalid", [FieldError(field, code, text)])


def _unit(uow: UnitOfWork, field: str, code: object) -> Any:
    """A unit by its AGENCY.UNIT code, or 422 naming `field`."""
    try:
        return catalogue.get_unit(uow, str(code or ""))
    except NotFoundError:
        raise _refuse(field, "unit.unknown", Text("Unit tidak dikenal", "Unknown unit")) from None


def _dispose(uow: UnitOfWork, principal: Principal, complaint: Complaint, code: str) -> None:
    unit = _unit(uow, "unit", code)
    if unit.agency.code != complaint.agency_code:
        raise _refuse(
            "unit",
            "unit.other_agency",
            Text(
                "Disposisi hanya ke unit instansi ini; untuk instansi lain, teruskan",
                "Dispose only to this agency's units; forward it to another agency",
            ),
        )
    actor = procedure.officer_actor(principal, complaint, Action.DISPOSE)
    procedure.move(uow, complaint, Action.DISPOSE)
    complaint.unit_id, complaint.unit_code = unit.id, unit.full_code
    complaint.disposed_at = uow.now()
    procedure.add_update(
        uow,
        complaint,
        "disposed",
        actor,
        officer_id=principal.officer_id,
        target=complaint.unit_code,
    )
    procedure.log(uow, complaint, "dispose", "assign", actor, to_unit=complaint.unit_code)
