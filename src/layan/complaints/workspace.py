"""The officers' complaint pages: the queue and a complaint with the forms of each step.

Pages call the same services and queries as the JSON API: who may act is decided there,
never only here. A form shows only the steps the officer may take now; every form works
without JavaScript. Every page that shows a whole complaint, and every attachment, is
written to the access log once it has been read (`complaints.privacy`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from layan.applications.rules import inline_type
from layan.complaints import checks, privacy, queries, rules, service
from layan.complaints.procedure import IncomingFile
from layan.core.access import Principal
from layan.core.errors import NotFoundError, Text, ValidationFailedError
from layan.web.deps import BlobsDep, DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.files import document_response
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
FILE_SLOTS = ("file1", "file2", "file3")


def anchor(step: str, field: str) -> str:
    """The id of the input an error points at: each step's form has its own ids."""
    return f"{step}-{field.replace('_', '-').replace('.', '-')}"


# --- the queue --------------------------------------------------------------------------


def _queue(db: Any, officer: Principal, unit: str, status: str) -> list[queries.QueueRow]:
    with db.unit_of_work(readonly=True) as uow:
        return queries.complaint_queue(uow, officer, unit=unit, status=status)


@router.get("/petugas/pengaduan", response_class=HTMLResponse, openapi_extra=OFFICER)
async def queue(
    request: Request, db: DbDep, officer: PageOfficerDep, unit: str = "", status: str = ""
) -> HTMLResponse:
    """The complaints I can act on, the nearest deadline first."""
    status = status if status in rules.OPEN_STATUSES else ""
    # The filter runs in the database: the queue is capped, and a filtered page must not
    # miss rows beyond the cap. The unfiltered queue (read again only when filtering)
    # names the units to choose from.
    rows = await run_in_threadpool(_queue, db, officer, unit[:82], status)
    everything = (
        rows if not (unit or status) else await run_in_threadpool(_queue, db, officer, "", "")
    )
    moved = request.query_params.get("diteruskan", "")
    return render(
        request,
        "complaints/queue.html",
        {
            "rows": rows,
            "units": sorted({r.unit for r in everything}),
            "statuses": [s for s in rules.Status.ORDER if s in rules.OPEN_STATUSES],
            "unit": unit,
            "status": status,
            "moved": rules.format_tracking_number(moved)
            if rules.normalise_tracking_number(moved)
            else "",
        },
    )


# --- a complaint ------------------------------------------------------------------------


def _complaint(db: Any, officer: Principal, number: str) -> tuple[queries.ComplaintView, list[Any]]:
    """The complaint page's data; the read of the whole complaint goes to the access log."""
    with db.unit_of_work(readonly=True) as uow:
        view = queries.officer_complaint(uow, officer, number)
        units = queries.unit_choices(uow)
        read = privacy.officer_read(uow, officer, view.tracking_number, "complaint")
    privacy.log_read(db, read)
    return view, units


def _page(
    request: Request,
    view: queries.ComplaintView,
    units: list[queries.UnitChoice],
    *,
    failed: str = "",
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    category = rules.find_category(view.category)
    return render(
        request,
        "complaints/complaint.html",
        {
            "v": view,
            "spoken": rules.format_tracking_number(view.tracking_number),
            "own_units": [u for u in units if u.agency == view.agency],
            "other_units": [u for u in units if u.agency != view.agency],
            "tiers": rules.TIER_NAMES,
            "default_tier": view.tier or (category.tier if category else "normative"),
            "archive_reasons": {k: v for k, v in rules.ARCHIVE_REASONS.items() if k != "no_reply"},
            "privacies": rules.Privacy.ALL,
            "failed": failed,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "values": values or {},
            "saved": request.query_params.get("pesan") == "tersimpan",
            "slots": FILE_SLOTS,
        },
        status,
    )


@router.get("/petugas/pengaduan/{number}", response_class=HTMLResponse, openapi_extra=OFFICER)
async def complaint_page(
    request: Request, number: str, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """The whole complaint with the forms of the steps the officer may take now."""
    view, units = await run_in_threadpool(_complaint, db, officer, number)
    return _page(request, view, units)


def _verify(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.verify_complaint(
        db,
        officer,
        number,
        tier=v.get("tier") or None,
        privacy=v.get("privacy") or None,
        dispose_to=v.get("unit") or None,
    )


def _ask(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.ask_for_information(db, officer, number, v.get("question", ""))


def _forward(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.forward_complaint(
        db,
        officer,
        number,
        reason=v.get("reason", ""),
        to_unit=v.get("to_unit") or None,
        to_external=v.get("to_external") or None,
    )


def _archive(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.archive_complaint(
        db,
        officer,
        number,
        reason_code=v.get("reason_code", ""),
        reason=v.get("reason", ""),
        duplicate_of=v.get("duplicate_of") or None,
    )


def _dispose(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.dispose_to_unit(db, officer, number, v.get("unit", ""))


def _follow_up(
    db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any
) -> None:
    service.post_follow_up(db, officer, number, v.get("text", ""))


def _resolve(
    db: Any, officer: Principal, number: str, v: dict[str, str], files: Any, blobs: Any
) -> None:
    service.resolve_complaint(
        db, officer, number, proof=v.get("proof", ""), files=files, blobs=blobs
    )


def _appeal(db: Any, officer: Principal, number: str, v: dict[str, str], _f: Any, _b: Any) -> None:
    service.decide_appeal(
        db, officer, number, outcome=v.get("outcome", ""), reason=v.get("reason", "")
    )


Step = Callable[[Any, Principal, str, dict[str, str], dict[str, IncomingFile], Any], None]
STEPS: dict[str, Step] = {
    "verifikasi": _verify,
    "tanya": _ask,
    "teruskan": _forward,
    "arsip": _archive,
    "disposisi": _dispose,
    "tindak-lanjut": _follow_up,
    "selesai": _resolve,
    "banding": _appeal,
}


async def _read(request: Request) -> tuple[dict[str, str], dict[str, IncomingFile]]:
    files: dict[str, IncomingFile] = {}
    async with request.form(max_files=5, max_fields=20, max_part_size=64 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {
            k: str(v)[:5000]
            for k, v in form.multi_items()
            if isinstance(v, str) and k != "csrf_token"
        }
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and value.filename and name in FILE_SLOTS:
                content = await value.read(checks.MAX_ATTACHMENT_BYTES + 1)
                files[name] = IncomingFile(value.filename, value.content_type or "", content)
    return values, files


def _still_visible(db: Any, officer: Principal, number: str) -> bool:
    with db.unit_of_work(readonly=True) as uow:
        return queries.visible_to(uow, officer, number)


@router.post("/petugas/pengaduan/{number}/{step}", openapi_extra=OFFICER)
async def take_step(
    request: Request, number: str, step: str, db: DbDep, blobs: BlobsDep, officer: PageOfficerDep
) -> Response:
    """One step on the complaint; then back to it, or to the queue once it left the agency."""
    act = STEPS.get(step)
    if act is None:
        raise NotFoundError(Text("Langkah tidak dikenal", "Unknown step"), "step.unknown")
    values, files = await _read(request)
    try:
        await run_in_threadpool(act, db, officer, number, values, files, blobs)
    except ValidationFailedError as exc:
        language = lang(request)
        errors = [
            {"field": e.field, "anchor": anchor(step, e.field), "message": e.text(language)}
            for e in exc.errors
        ]
        view, units = await run_in_threadpool(_complaint, db, officer, number)
        return _page(request, view, units, failed=step, errors=errors, values=values, status=422)
    canonical = rules.normalise_tracking_number(number) or ""
    if not await run_in_threadpool(_still_visible, db, officer, canonical):
        return RedirectResponse(f"/petugas/pengaduan?diteruskan={canonical}", status_code=303)
    return RedirectResponse(f"/petugas/pengaduan/{canonical}?pesan=tersimpan", status_code=303)


# --- attachments --------------------------------------------------------------------------


# Attachment ids are database integers: larger numbers cannot name one, and would
# overflow the driver's integer before the query could say "not found".
AttachmentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _attachment(
    db: Any, blobs: Any, officer: Principal, attachment_id: int
) -> tuple[queries.AttachmentRef, bytes]:
    """The file and its bytes; the read goes to the access log once both are at hand."""
    with db.unit_of_work(readonly=True) as uow:
        ref = queries.attachment_for_officer(uow, officer, attachment_id)
        read = privacy.officer_read(uow, officer, ref.tracking_number, f"attachment:{ref.id}")
    if not blobs.exists(ref.digest):
        raise NotFoundError(Text("Berkas sudah dihapus", "The file has been erased"), "file.erased")
    content = blobs.get(ref.digest)
    privacy.log_read(db, read)
    return ref, content


@router.get("/petugas/pengaduan/lampiran/{attachment_id}", openapi_extra=OFFICER)
async def attachment(
    attachment_id: AttachmentId, db: DbDep, blobs: BlobsDep, officer: PageOfficerDep
) -> Response:
    """A photo or PDF of a complaint, shown inline only as the type its bytes show."""
    ref, content = await run_in_threadpool(_attachment, db, blobs, officer, attachment_id)
    return document_response(content, ref.filename, inline_type(content[:16]))
