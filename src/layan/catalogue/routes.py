"""The published catalogue as JSON: every service's standard, and its procedure as BPMN."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from layan.catalogue import queries
from layan.catalogue.bpmn import standard_to_bpmn
from layan.catalogue.queries import PublishedStandard, get_standard
from layan.core.db import Database
from layan.web.deps import DbDep

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


def _read(db: Database, fn: Any, *args: Any) -> Any:
    # The published catalogue may lag a moment: read from the replica when there is one.
    with db.unit_of_work(readonly=True, replica=True) as uow:
        return fn(uow, *args)


@router.get("/services", openapi_extra={"x-permission": "public"})
async def list_services(db: DbDep) -> list[dict[str, Any]]:
    """Every published service standard, current version."""
    return await run_in_threadpool(_read, db, queries.services_json)


@router.get("/services/{code}", openapi_extra={"x-permission": "public"})
async def show_service(code: str, db: DbDep) -> dict[str, Any]:
    """One service's published standard with all 14 components."""
    return await run_in_threadpool(_read, db, queries.service_json, code)


@router.get(
    "/services/{code}/bpmn", openapi_extra={"x-permission": "public"}, response_class=Response
)
async def service_bpmn(code: str, db: DbDep) -> Response:
    """The service's procedure as BPMN 2.0 XML for the modelers agencies already use."""
    published: PublishedStandard = await run_in_threadpool(_read, db, get_standard, code)
    return Response(standard_to_bpmn(published.standard), media_type="application/xml")
