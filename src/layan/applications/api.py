"""JSON endpoints of applications: submit, track, resubmit; officers' tasks and decisions."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from layan.applications import drafts, intake, outputs, privacy, queries, service
from layan.applications.rules import Decision, format_tracking_number
from layan.applications.schemas import (
    ApplicationIn,
    DecisionIn,
    DecisionOut,
    PendingOut,
    ReceiptOut,
    ResubmissionIn,
    SubmissionIn,
    TaskOut,
)
from layan.catalogue import queries as catalogue
from layan.core.errors import Text
from layan.documents.queries import OutputRef
from layan.settings import Settings
from layan.web.deps import (
    BlobsDep,
    DbDep,
    DbId,
    IssuerDep,
    OfficerDep,
    RegistriesDep,
    SettingsDep,
)
from layan.web.errors import lang
from layan.web.files import pdf_response
from layan.web.submissions import invalid, read_submission, to_json

router = APIRouter(prefix="/api/v1", tags=["applications"])
M = TypeVar("M", bound=BaseModel)

_MULTIPART = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "application": {"type": "string", "description": "ApplicationIn as JSON"}
                    },
                    "required": ["application"],
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/ApplicationIn"}},
        },
        "required": True,
    }
}


async def _read_body(request: Request, part: str, model: type[M], settings: Settings) -> Any:
    """The JSON part and the documents; a document over the upload limit is refused."""
    return await read_submission(
        request,
        part,
        model,
        intake.IncomingFile,
        limit=settings.max_upload_kb * 1024,
        max_files=30,
        max_part_size=1024 * 1024,
        refuse_over_limit=True,
    )


@router.post(
    "/applications",
    status_code=201,
    response_model=ReceiptOut,
    openapi_extra={**_MULTIPART, "x-permission": "public"},
)
async def submit(
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    """Submit an application with its data and documents, all stored or none (201).

    Once-only: `issued_documents` names, per requirement, the id of a document issued to
    the applicant on this platform instead of an upload; a registry requirement without
    an upload is looked up by the applicant's NIK. When a registry has no record or
    cannot be reached, the application is kept whole as a draft (202, status `draft`,
    `pending` says what waits): complete it with `POST .../submission`.
    """
    # The busiest write of all reads the app's parts itself rather than through four
    # dependencies: each costs FastAPI's dependency solving on every request.
    state = request.app.state
    db, settings, blobs, registries = state.db, state.settings, state.blobs, state.registries
    body, files = await _read_body(request, "application", ApplicationIn, settings)
    receipt = await run_in_threadpool(
        lambda: intake.submit_application(
            db,
            service_code=body.service_code,
            applicant=intake.Applicant(
                **body.applicant.model_dump(exclude={"channels"}),
                channels=body.applicant.channels,
                language=lang(request),
            ),
            data=body.data,
            files=files,
            blobs=blobs,
            secret=settings.secret_key,
            idempotency_key=idempotency_key,
            issued=body.issued_documents,
            registries=registries,
        )
    )
    if not receipt.pending:  # nothing to read: answer without another trip to a thread
        return _receipt_response(db, request, receipt, body.service_code)
    return await run_in_threadpool(_receipt_response, db, request, receipt, body.service_code)


def _receipt_response(
    db: Any, request: Request, receipt: intake.Receipt, service_code: str
) -> JSONResponse:
    """201 with the receipt; 202 for a draft, saying in the caller's language what waits."""
    pending = []
    if receipt.pending:
        with db.unit_of_work(readonly=True) as uow:
            standard = catalogue.get_standard(uow, service_code).standard
        language = lang(request)
        pending = [
            PendingOut(
                requirement=p.requirement,
                registry=p.registry,
                problem=p.problem,  # type: ignore[arg-type]
                message=p.text(standard)(language),
            )
            for p in receipt.pending
        ]
    out = ReceiptOut(
        tracking_number=receipt.tracking_number,
        pin=receipt.pin,
        status=receipt.status,
        due_at=receipt.due_at,
        pending=pending,
    ).model_dump(mode="json")
    out["tracking_number_spoken"] = format_tracking_number(receipt.tracking_number)
    return JSONResponse(
        out,
        status_code=202 if receipt.status == "draft" else 201,
        headers={
            "Location": f"/api/v1/applications/{receipt.tracking_number}",
            **({"Idempotent-Replayed": "true"} if receipt.replayed else {}),
        },
    )


@router.post(
    "/applications/{tracking_number}/submission",
    response_model=ReceiptOut,
    status_code=201,
    openapi_extra={"x-permission": "public"},
)
async def complete(
    tracking_number: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    registries: RegistriesDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> Any:
    """Send a draft again (with the PIN): the registry is asked again, and file parts (or
    `issued_documents` in an optional `submission` JSON part) meet what it lacked. 201
    when it became an application, 202 while something still waits."""
    body, files = await _read_optional_body(request, settings)
    receipt = await run_in_threadpool(
        lambda: drafts.complete_draft(
            db,
            tracking_number=tracking_number,
            pin=x_tracking_pin,
            files=files,
            blobs=blobs,
            secret=settings.secret_key,
            issued=body.issued_documents,
            registries=registries,
        )
    )
    return await run_in_threadpool(
        _receipt_response, db, request, receipt, _service_of(db, receipt.tracking_number)
    )


async def _read_optional_body(request: Request, settings: Settings) -> tuple[SubmissionIn, Any]:
    """The optional `submission` part and the file parts; nothing at all is fine too."""
    if not request.headers.get("content-type"):
        return SubmissionIn(), {}
    return await read_submission(
        request,
        "submission",
        SubmissionIn,
        intake.IncomingFile,
        limit=settings.max_upload_kb * 1024,
        max_files=30,
        max_part_size=1024 * 1024,
        refuse_over_limit=True,
        optional=True,
    )


def _service_of(db: Any, number: str) -> str:
    with db.unit_of_work(readonly=True) as uow:
        return queries.service_of(uow, number)


def output_json(output: OutputRef, number: str, site: str) -> dict[str, Any]:
    """An issued document as the applicant's API answer lists it."""
    return {
        "id": output.id,
        "kind": output.kind,
        "number": output.number,
        "issued_at": to_json(output.issued_at),
        "valid_until": to_json(output.valid_until),
        "revoked": output.revoked_at is not None,
        "jws": output.jws,
        "pdf_url": f"{site}/api/v1/applications/{number}/outputs/{output.id}/pdf",
        "verify_url": f"{site}/v/{output.id}",
    }


def _view(db: Any, number: str, pin: str | None, settings: Settings) -> dict[str, Any]:
    secret = settings.secret_key
    if pin is None:
        with db.unit_of_work(readonly=True) as uow:
            view = queries.track_case(uow, number, pin, secret)
    else:
        with queries.pin_guard(db, number), db.unit_of_work(readonly=True) as uow:
            view = queries.track_case(uow, number, pin, secret)
    body = to_json(view)
    if isinstance(view, queries.DraftView):
        if view.personal is None:
            body.pop("personal")
            body.pop("documents")
        return body  # type: ignore[no-any-return]
    if view.personal is None:
        for private in ("personal", "documents", "outputs"):
            body.pop(private)
    else:
        body["outputs"] = [
            output_json(o, view.tracking_number, settings.site) for o in view.outputs
        ]
    return body  # type: ignore[no-any-return]


@router.get("/applications/{tracking_number}", openapi_extra={"x-permission": "public"})
async def track(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str | None, Header(max_length=12)] = None,
) -> JSONResponse:
    """Status, steps and timeline; with the X-Tracking-Pin header, the whole application
    and the documents issued on it (`outputs`, each with its JWS, PDF and verification
    addresses)."""
    body = await run_in_threadpool(_view, db, tracking_number, x_tracking_pin, settings)
    return JSONResponse(body)


@router.get(
    "/applications/{tracking_number}/outputs/{output_id}/pdf",
    response_class=Response,
    openapi_extra={"x-permission": "public"},
    responses={200: {"content": {"application/pdf": {}}}},
)
async def output_pdf(
    tracking_number: str,
    output_id: str,
    db: DbDep,
    settings: SettingsDep,
    issuer: IssuerDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> Response:
    """The PDF of a document issued on the application (with the PIN), QR code included."""
    number, content = await run_in_threadpool(
        outputs.output_pdf_for_applicant,
        db,
        issuer,
        tracking_number,
        output_id[:40],
        x_tracking_pin,
        settings.secret_key,
    )
    return pdf_response(content, number)


def _access_log(db: Any, number: str, pin: str, secret: str) -> list[dict[str, Any]]:
    with queries.pin_guard(db, number), db.unit_of_work(readonly=True) as uow:
        return to_json(queries.access_log_for_applicant(uow, number, pin, secret))  # type: ignore[no-any-return]


@router.get("/applications/{tracking_number}/access-log", openapi_extra={"x-permission": "public"})
async def access_log(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> JSONResponse:
    """Who has seen my data: every officer's read of the application and its documents.

    Each entry: at, role, unit, agency, officer (the officer's name), what
    ('application' or 'document:<slot>') and why. Reads by the applicant are not listed.
    """
    body = await run_in_threadpool(
        _access_log, db, tracking_number, x_tracking_pin, settings.secret_key
    )
    return JSONResponse(body)


@router.post(
    "/applications/{tracking_number}/resubmission",
    response_model=ReceiptOut,
    openapi_extra={"x-permission": "public"},
)
async def resubmit(
    tracking_number: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> ReceiptOut:
    """Send a corrected application after it was returned; its clock runs again."""
    body, files = await _read_body(request, "resubmission", ResubmissionIn, settings)

    receipt = await run_in_threadpool(
        lambda: intake.resubmit_application(
            db,
            tracking_number=tracking_number,
            pin=x_tracking_pin,
            data=body.data,
            files=files,
            blobs=blobs,
            secret=settings.secret_key,
        )
    )
    return ReceiptOut(
        tracking_number=receipt.tracking_number,
        pin=receipt.pin,
        status=receipt.status,
        due_at=receipt.due_at,
    )


@router.get("/applications", openapi_extra={"x-permission": "officer"})
def list_applications(
    db: DbDep,
    officer: OfficerDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> list[dict[str, Any]]:
    """Applications the officer's agencies take part in, newest first, identities masked."""
    with db.unit_of_work(readonly=True) as uow:
        return queries.list_applications(uow, officer, status=status, limit=limit)


@router.get("/officer/applications/{tracking_number}", openapi_extra={"x-permission": "officer"})
def read_application(tracking_number: str, db: DbDep, officer: OfficerDep) -> dict[str, Any]:
    """The whole application, for an officer whose agency has a step in it; the read is logged."""
    with db.unit_of_work(readonly=True) as uow:
        view = queries.application_for_officer(uow, officer, tracking_number)
        read = queries.officer_read(uow, officer, view.tracking_number, "application")
    privacy.log_read(db, read)
    return to_json(view)  # type: ignore[no-any-return]


@router.get("/tasks", response_model=list[TaskOut], openapi_extra={"x-permission": "officer"})
def my_tasks(
    db: DbDep,
    officer: OfficerDep,
    limit: Annotated[int, Query(ge=1, le=queries.QUEUE_LIMIT)] = 50,
    after: Annotated[str | None, Query(max_length=80)] = None,
) -> JSONResponse:
    """The open tasks of the caller's units, most urgent first, `limit` at a time.

    When there may be more, the `Link` header (rel="next") names the next page, which
    starts after the last task of this one (`after`, as the header gives it)."""
    cursor = None
    if after is not None and (cursor := queries.QueueCursor.parse(after)) is None:
        raise invalid("after", Text("Penanda halaman tidak sah", "Invalid page marker"))
    with db.unit_of_work(readonly=True) as uow:
        items = queries.list_queue(uow, officer, limit=limit, after=cursor)
    headers = {}
    if len(items) == limit:
        last = queries.QueueCursor(items[-1].due_at, items[-1].id)
        query = urlencode({"limit": limit, "after": str(last)})
        headers["Link"] = f'</api/v1/tasks?{query}>; rel="next"'
    # Written out directly (the shape of TaskOut): an officer's queue is read all day.
    body = [
        {
            "id": i.id,
            "tracking_number": i.tracking_number,
            "service_code": i.service_code,
            "step": i.step,
            "unit": i.unit,
            "status": i.status,
            "due_at": to_json(i.due_at),
            "overdue": i.overdue,
            "claimed_by_me": i.assignee_id == officer.officer_id,
        }
        for i in items
    ]
    return JSONResponse(body, headers=headers)


# Task ids are database integers: larger numbers cannot name a task (see `DbId`).
TaskId = DbId


@router.post("/tasks/{task_id}/claim", status_code=204, openapi_extra={"x-permission": "officer"})
def claim(task_id: TaskId, db: DbDep, officer: OfficerDep) -> None:
    """Take a task from the unit's queue."""
    service.claim_task(db, officer, task_id)


@router.post(
    "/tasks/{task_id}/decision",
    response_model=DecisionOut,
    openapi_extra={"x-permission": "officer"},
)
def decide(
    task_id: TaskId, body: DecisionIn, db: DbDep, officer: OfficerDep, issuer: IssuerDep
) -> DecisionOut:
    """Approve, return (with a reason) or reject (with a reason and legal basis) a task.

    The decision that ends the application issues its signed document: `outputs` lists it.
    """
    result = service.decide_task(
        db, officer, task_id, Decision(body.outcome, body.reason, body.legal_basis), issuer
    )
    return DecisionOut(
        application_status=result.application_status,
        next_tasks=result.next_tasks,
        outputs=result.outputs,
    )
