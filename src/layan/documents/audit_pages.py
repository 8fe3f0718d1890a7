"""The requirement audit for agency admins: a page and CSV files.

Per service and across services: requirements whose legal basis cites no regulation, the
same thing asked by several services, what government already holds (once-only
candidates, with the service on this platform that issues it), and the uploads once-only
removed each month.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from layan.accounts import queries as accounts
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.documents import queries
from layan.documents.requirements_audit import Audit, audit
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
MONTHS = 12


def _audit(db: Any, officer: Principal, requested: str | None) -> dict[str, Any]:
    with db.unit_of_work(readonly=True) as uow:
        agency = accounts.agency_for_admin(uow, officer, requested)
        published = catalogue.list_standards(uow)
        found = audit([(p.agency, p.standard) for p in published])
        since = uow.now() - timedelta(days=31 * MONTHS)
        months = queries.once_only_by_month(uow, agency, since, catalogue.agency_tz(uow, agency))
        agencies = accounts.administered_agencies(uow, officer)
    return {"agency": agency, "audit": found, "months": months, "agencies": agencies}


@router.get("/petugas/admin/persyaratan", response_class=HTMLResponse, openapi_extra=OFFICER)
async def audit_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = ""
) -> HTMLResponse:
    """The agency's requirements audited: basis, duplicates, once-only candidates, savings."""
    found = await run_in_threadpool(_audit, db, officer, instansi[:40] or None)
    result: Audit = found["audit"]
    agency = found["agency"]
    return render(
        request,
        "documents/requirements_audit.html",
        {
            **found,
            "rows": result.of_agency(agency),
            "without_basis": result.without_basis(agency),
            "candidates": result.candidates(agency),
            "shared": result.shared(agency),
        },
    )


def _csv(rows: list[list[object]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so spreadsheet programs read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/petugas/admin/persyaratan.csv", openapi_extra=OFFICER)
async def audit_csv(db: DbDep, officer: PageOfficerDep, instansi: str = "") -> Response:
    """Every requirement of the agency's services with what the audit found, as CSV."""
    found = await run_in_threadpool(_audit, db, officer, instansi[:40] or None)
    header = [
        "agency", "service", "requirement", "name", "kind", "legal_basis", "cites_regulation",
        "also_asked_by", "held_by", "once_only", "once_only_candidate", "issued_on_layan_by",
    ]  # fmt: skip
    rows: list[list[object]] = [header]
    for r in found["audit"].of_agency(found["agency"]):
        rows.append(
            [
                r.agency,
                r.service,
                r.code,
                r.name,
                r.kind,
                r.legal_basis,
                "yes" if r.cites_regulation else "no",
                " ".join(r.asked_by),
                r.held_by or "",
                "yes" if r.once_only else "no",
                "yes" if r.candidate else "no",
                " ".join(r.issuing_services),
            ]  # fmt: skip
        )
    return _csv(rows, f"audit-persyaratan-{found['agency']}.csv")


@router.get("/petugas/admin/persyaratan-bulanan.csv", openapi_extra=OFFICER)
async def months_csv(db: DbDep, officer: PageOfficerDep, instansi: str = "") -> Response:
    """Uploads once-only removed per month, for the agency's services, as CSV."""
    found = await run_in_threadpool(_audit, db, officer, instansi[:40] or None)
    rows: list[list[object]] = [
        ["agency", "month", "issued_documents", "registry_lookups", "total"]
    ]
    rows += [
        [found["agency"], m.month, m.issued_documents, m.registry_lookups, m.total]
        for m in found["months"]
    ]
    return _csv(rows, f"once-only-{found['agency']}.csv")
