"""The officers' workspace pages: my queue, a task and its decision, documents, my units.

Pages call the same services and queries as the JSON API: the permission checks live
there, never only here. Every form works without JavaScript; with htmx, claiming a task
swaps its row in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.applications import privacy, queries, service
from layan.applications.rules import Decision, format_tracking_number, inline_type
from layan.core.access import Principal
from layan.core.errors import NotFoundError, Text, ValidationFailedError
from layan.documents.issue import pdf_bytes
from layan.web.deps import BlobsDep, DbDep, DbId, IssuerDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.files import document_response, pdf_response
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
DECISION_FIELDS = {"outcome": "outcome-approve", "reason": "reason", "legal_basis": "legal_basis"}


def _back(target: object) -> str:
    """A page of the workspace to return to; anything else falls back to the queue."""
    text = str(target or "")
    return text if text.startswith("/petugas") and not text.startswith("//") else "/petugas"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- my queue -------------------------------------------------------------------------


def _queue(
    db: Any, officer: Principal, service_code: str, status: str, task_id: int | None = None
) -> queries.QueuePage:
    with db.unit_of_work(readonly=True) as uow:
        return queries.officer_queue(
            uow, officer, service=service_code, status=status, task_id=task_id
        )


# Database integers only: a larger number names no task and would overflow the driver.
TaskId = DbId


@router.get("/petugas", response_class=HTMLResponse, openapi_extra=OFFICER)
async def queue(
    request: Request, db: DbDep, officer: PageOfficerDep, layanan: str = "", status: str = ""
) -> HTMLResponse:
    """My queue: the tasks I can act on, most urgent first, with the working time left."""
    status = status if status in queries.QUEUE_STATUSES else ""
    page = await run_in_threadpool(_queue, db, officer, layanan[:63], status)
    query = urlencode({k: v for k, v in (("layanan", layanan), ("status", status)) if v})
    notice = {"selesai": "ws.queue.done_none_left", "diambil": "ws.queue.claimed"}.get(
        request.query_params.get("pesan", "")
    )
    return render(
        request,
        "workspace/queue.html",
        {
            "page": page,
            "service": layanan,
            "status": status,
            "statuses": queries.QUEUE_STATUSES,
            "back": "/petugas" + (f"?{query}" if query else ""),
            "notice": notice,
        },
    )


@router.post("/petugas/tugas/{task_id}/ambil", openapi_extra=OFFICER)
async def claim(request: Request, task_id: TaskId, db: DbDep, officer: PageOfficerDep) -> Response:
    """Claim a task: the row again for htmx, otherwise back to where the officer was."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        back = _back(form.get("next"))
    await run_in_threadpool(service.claim_task, db, officer, task_id)
    if _is_htmx(request):
        page = await run_in_threadpool(_queue, db, officer, "", "", task_id)
        row = next(iter(page.rows), None)
        if row is None:
            return HTMLResponse("")
        return render(request, "workspace/_queue_row.html", {"row": row, "back": back})
    if back.startswith("/petugas/tugas/"):
        return RedirectResponse(back, status_code=303)
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}pesan=diambil", status_code=303)


# --- a task ---------------------------------------------------------------------------


def _task(db: Any, officer: Principal, task_id: int) -> queries.TaskDetail:
    """The task page's data; the read of the whole application goes to the access log."""
    with db.unit_of_work(readonly=True) as uow:
        detail = queries.task_for_officer(uow, officer, task_id)
        read = queries.officer_read(
            uow, officer, detail.application.tracking_number, "application", task_id=task_id
        )
    privacy.log_read(db, read)
    return detail


def _task_page(
    request: Request,
    detail: queries.TaskDetail,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    saved: bool = False,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "workspace/task.html",
        {
            "d": detail,
            "v": detail.application,
            "spoken": format_tracking_number(detail.application.tracking_number),
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "values": values or {},
            "saved": saved,
        },
        status,
    )


@router.get("/petugas/tugas/{task_id}", response_class=HTMLResponse, openapi_extra=OFFICER)
async def task_page(
    request: Request, task_id: TaskId, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """The task with its whole application, documents, timeline and the decision form."""
    detail = await run_in_threadpool(_task, db, officer, task_id)
    return _task_page(request, detail, saved=request.query_params.get("pesan") == "tersimpan")


def _next_task(db: Any, officer: Principal) -> int | None:
    with db.unit_of_work(readonly=True) as uow:
        return queries.next_task_for(uow, officer)


@router.post("/petugas/tugas/{task_id}/keputusan", openapi_extra=OFFICER)
async def decide(
    request: Request, task_id: TaskId, db: DbDep, officer: PageOfficerDep, issuer: IssuerDep
) -> Response:
    """Approve, return or reject; then on to the next most urgent task, or the queue."""
    async with request.form(max_fields=10, max_part_size=64 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {k: str(form.get(k) or "")[:2000] for k in ("outcome", "reason", "legal_basis")}
    decision = Decision(values["outcome"], values["reason"], values["legal_basis"])
    try:
        await run_in_threadpool(service.decide_task, db, officer, task_id, decision, issuer)
    except ValidationFailedError as exc:
        language = lang(request)
        errors = [
            {
                "field": e.field,
                "anchor": DECISION_FIELDS.get(e.field, "outcome-approve"),
                "message": e.text(language),
            }
            for e in exc.errors
        ]
        detail = await run_in_threadpool(_task, db, officer, task_id)
        return _task_page(request, detail, errors=errors, values=values, status=422)
    following = await run_in_threadpool(_next_task, db, officer)
    if following is None:
        return RedirectResponse("/petugas?pesan=selesai", status_code=303)
    return RedirectResponse(f"/petugas/tugas/{following}?pesan=tersimpan", status_code=303)


# --- documents ------------------------------------------------------------------------


def _document(
    db: Any, blobs: Any, officer: Principal, document_id: int
) -> tuple[queries.DocumentRef, bytes]:
    """The document and its bytes; the read goes to the access log once both are at hand."""
    with db.unit_of_work(readonly=True) as uow:
        ref = queries.document_for_officer(uow, officer, document_id)
        read = queries.officer_read(uow, officer, ref.tracking_number, f"document:{ref.slot}")
    if not blobs.exists(ref.digest):  # erased after the service's retention period
        raise NotFoundError(
            Text("Dokumen sudah dihapus", "The document has been erased"), "document.erased"
        )
    content = blobs.get(ref.digest)
    privacy.log_read(db, read)
    return ref, content


@router.get("/petugas/dokumen/{document_id}", openapi_extra=OFFICER)
async def document(
    document_id: DbId, db: DbDep, blobs: BlobsDep, officer: PageOfficerDep
) -> Response:
    """A document, shown inline only as the type its bytes show; otherwise downloaded."""
    ref, content = await run_in_threadpool(_document, db, blobs, officer, document_id)
    return document_response(content, ref.filename, inline_type(content[:16]))


def _evidence(
    db: Any, issuer: Any, officer: Principal, task_id: int, evidence_id: int
) -> tuple[str, bytes]:
    """An issued document that met a requirement; the read is logged on the case worked."""
    with db.unit_of_work(readonly=True) as uow:
        detail, found = queries.evidence_for_officer(uow, officer, task_id, evidence_id)
        number = detail.application.tracking_number
        read = queries.officer_read(
            uow, officer, number, f"issued_document:{found.requirement}", task_id=task_id
        )
    content = pdf_bytes(db, issuer, found.output_id or "")
    privacy.log_read(db, read)
    return found.reference, content


@router.get("/petugas/tugas/{task_id}/bukti/{evidence_id}", openapi_extra=OFFICER)
async def evidence(
    task_id: TaskId, evidence_id: DbId, db: DbDep, issuer: IssuerDep, officer: PageOfficerDep
) -> Response:
    """The issued document a requirement was met with (another agency's, often), shown
    inline; the read goes to the applicant's access log."""
    reference, content = await run_in_threadpool(
        _evidence, db, issuer, officer, task_id, evidence_id
    )
    return pdf_response(content, reference, inline=True)


# --- my units (supervisor) ------------------------------------------------------------


def _units(db: Any, officer: Principal) -> list[queries.UnitOverview]:
    with db.unit_of_work(readonly=True) as uow:
        return queries.supervised_units(uow, officer)


def _unit_page(
    request: Request,
    units: list[queries.UnitOverview],
    *,
    errors: list[dict[str, str]] | None = None,
    failed_task: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "workspace/unit.html",
        {
            "units": units,
            "errors": errors,
            "failed_task": failed_task,
            "failed_message": errors[0]["message"] if errors else "",
            "notice": request.query_params.get("pesan") == "dialihkan",
        },
        status,
    )


@router.get("/petugas/unit", response_class=HTMLResponse, openapi_extra=OFFICER)
async def units(request: Request, db: DbDep, officer: PageOfficerDep) -> HTMLResponse:
    """For a supervisor: workload per officer, breaches and escalations, reassignment."""
    overview = await run_in_threadpool(_units, db, officer)
    return _unit_page(request, overview)


@router.post("/petugas/unit/tugas/{task_id}/alihkan", openapi_extra=OFFICER)
async def reassign(
    request: Request, task_id: TaskId, db: DbDep, officer: PageOfficerDep
) -> Response:
    """Give a task to another officer of the unit holding the step's role."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        raw = str(form.get("officer_id") or "")
    target = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    try:
        await run_in_threadpool(service.reassign_task, db, officer, task_id, target)
    except ValidationFailedError as exc:
        language = lang(request)
        errors = [
            {"field": e.field, "anchor": f"officer-{task_id}", "message": e.text(language)}
            for e in exc.errors
        ]
        overview = await run_in_threadpool(_units, db, officer)
        return _unit_page(request, overview, errors=errors, failed_task=task_id, status=422)
    return RedirectResponse(f"/petugas/unit?pesan=dialihkan#task-{task_id}", status_code=303)
