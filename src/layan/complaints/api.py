"""JSON endpoints of complaints: submit and follow one as its reporter, the public list,
and the officers' queue and transitions."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from layan.complaints import checks, intake, privacy, queries, rules, service
from layan.complaints.checks import Location, NewComplaint, Reporter
from layan.complaints.procedure import IncomingFile
from layan.complaints.schemas import (
    AppealDecisionIn,
    ArchiveIn,
    ComplaintIn,
    DispositionIn,
    FollowUpIn,
    ForwardIn,
    InformationIn,
    QuestionIn,
    ReporterIn,
    ReporterUpdateIn,
    ResolutionIn,
    ResponseIn,
    StatusOut,
    VerificationIn,
)
from layan.web.deps import BlobsDep, DbDep, OfficerDep, SettingsDep
from layan.web.submissions import read_submission, to_json

router = APIRouter(prefix="/api/v1", tags=["complaints"])
M = TypeVar("M", bound=BaseModel)
PUBLIC = {"x-permission": "public"}
OFFICER = {"x-permission": "officer"}
PinDep = Annotated[str, Header(max_length=12, alias="X-Tracking-Pin")]


def _multipart(part: str, schema: str) -> dict[str, Any]:
    """The OpenAPI description of a body sent as JSON, or as a JSON part with file parts."""
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            part: {"type": "string", "description": f"{schema} as JSON"}
                        },
                        "required": [part],
                        "additionalProperties": {"type": "string", "format": "binary"},
                    }
                },
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
            },
            "required": True,
        }
    }


_OFFICER_ONLY = ("flags", "similar", "actions", "escalated_to_me", "breaches", "timeline")


def view_json(view: queries.ComplaintView, audience: str) -> dict[str, Any]:
    """A complaint as JSON for `audience`: public, reporter or officer."""
    body: dict[str, Any] = to_json(view)
    body["tracking_number_spoken"] = rules.format_tracking_number(view.tracking_number)
    body["fixmystreet_status"] = rules.FIXMYSTREET[view.status]
    if audience != "officer":
        for key in _OFFICER_ONLY:
            body.pop(key)
    if audience == "public":
        body.pop("attachments")
        body.pop("application_number")
    return body


def _reporter(body: ReporterIn | None) -> Reporter:
    return Reporter(**body.model_dump()) if body else Reporter()


# --- the public and the reporter ----------------------------------------------------------


async def _read_body(request: Request, part: str, model: type[M]) -> Any:
    """The JSON part and the attachments; the complaint checks refuse one that is too large."""
    return await read_submission(
        request,
        part,
        model,
        IncomingFile,
        limit=checks.MAX_ATTACHMENT_BYTES,
        max_files=10,
        max_part_size=256 * 1024,
        refuse_over_limit=False,
    )


@router.get("/complaint-categories", openapi_extra=PUBLIC)
def categories() -> list[dict[str, Any]]:
    """What a complaint can be about, and the unit that answers for each."""
    return [
        {
            "code": c.code,
            "name": to_json(c.name),
            "description": to_json(c.description),
            "agency": c.agency,
            "unit": c.unit,
            "tier": c.tier,
            "needs_location": c.needs_location,
        }
        for c in queries.list_categories()
    ]


@router.get("/complaints", openapi_extra=PUBLIC)
def list_complaints(
    db: DbDep,
    category: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = queries.PUBLIC_PAGE,
    # Bounded to a database integer: a larger offset would overflow the driver.
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> dict[str, Any]:
    """Every complaint that is not confidential, newest first, with status and answers."""
    with db.unit_of_work(readonly=True) as uow:
        page = queries.list_public_complaints(
            uow,
            category=category,
            state=state,
            status=status,
            agency=agency,
            limit=limit,
            offset=offset,
        )
    return to_json(page)  # type: ignore[no-any-return]


@router.get("/complaints/similar", openapi_extra=PUBLIC)
def similar(
    db: DbDep,
    category: Annotated[str, Query(max_length=40)],
    lat: float | None = None,
    lon: float | None = None,
    address: Annotated[str | None, Query(max_length=300)] = None,
) -> list[dict[str, Any]]:
    """Open public complaints of the category within 200 m or at the same address."""
    with db.unit_of_work(readonly=True) as uow:
        found = queries.similar_complaints(uow, category, Location(lat, lon, address))
    return to_json(found)  # type: ignore[no-any-return]


@router.post(
    "/complaints",
    status_code=201,
    openapi_extra={**_multipart("complaint", "ComplaintIn"), **PUBLIC},
)
async def submit(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> JSONResponse:
    """Submit a complaint with photos or documents (JPG, PNG, PDF up to 5 MB), all or none."""
    body, files = await _read_body(request, "complaint", ComplaintIn)
    where = body.location or None
    new = NewComplaint(
        kind=body.kind,
        category=body.category,
        description=body.description,
        title=body.title,
        location=Location(where.lat, where.lon, where.address) if where else Location(),
        application_number=body.application_number,
        privacy=body.privacy,
        reporter=_reporter(body.reporter),
        channel="api",
    )
    receipt = await run_in_threadpool(
        lambda: intake.submit_complaint(
            db,
            new,
            files,
            blobs=blobs,
            secret=settings.secret_key,
            idempotency_key=idempotency_key,
        )
    )
    out = {
        "tracking_number": receipt.tracking_number,
        "tracking_number_spoken": rules.format_tracking_number(receipt.tracking_number),
        "pin": receipt.pin,
        "status": receipt.status,
        "verify_due_at": to_json(receipt.verify_due_at),
        "similar": to_json(receipt.similar),
    }
    return JSONResponse(
        out,
        status_code=201,
        headers={
            "Location": f"/api/v1/complaints/{receipt.tracking_number}",
            **({"Idempotent-Replayed": "true"} if receipt.replayed else {}),
        },
    )


@router.get("/complaints/{tracking_number}", openapi_extra=PUBLIC)
def read(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    pin: Annotated[str | None, Header(max_length=12, alias="X-Tracking-Pin")] = None,
) -> dict[str, Any]:
    """A public complaint with its answers; with X-Tracking-Pin, the reporter's whole view."""
    if pin is not None:
        with queries.pin_guard(db, tracking_number), db.unit_of_work(readonly=True) as uow:
            view = queries.reporter_complaint(uow, tracking_number, pin, settings.secret_key)
            return view_json(view, "reporter")
    with db.unit_of_work(readonly=True) as uow:
        return view_json(queries.public_complaint(uow, tracking_number), "public")


@router.get("/complaints/{tracking_number}/access-log", openapi_extra=PUBLIC)
def access_log(
    tracking_number: str, db: DbDep, settings: SettingsDep, pin: PinDep
) -> list[dict[str, Any]]:
    """Who has seen my complaint: every officer's read of it and of its attachments.

    Each entry: at, role, unit, agency, officer (the officer's name), what ('complaint'
    or 'attachment:<id>') and why. Reads by the reporter are not listed; an anonymous
    complaint is listed the same way.
    """
    with queries.pin_guard(db, tracking_number), db.unit_of_work(readonly=True) as uow:
        entries = privacy.access_log_for_reporter(uow, tracking_number, pin, settings.secret_key)
    return to_json(entries)  # type: ignore[no-any-return]


def _status(number: str, status: str) -> StatusOut:
    canonical = rules.normalise_tracking_number(number) or number
    return StatusOut(tracking_number=canonical, status=status, state=rules.open_or_closed(status))


@router.post(
    "/complaints/{tracking_number}/information",
    response_model=StatusOut,
    openapi_extra={**_multipart("information", "InformationIn"), **PUBLIC},
)
async def add_information(
    tracking_number: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    pin: PinDep,
) -> StatusOut:
    """The reporter answers the verifier's question; the verification clock runs again."""
    body, files = await _read_body(request, "information", InformationIn)
    status = await run_in_threadpool(
        lambda: intake.add_information(
            db,
            tracking_number=tracking_number,
            pin=pin,
            secret=settings.secret_key,
            text=body.text,
            files=files,
            blobs=blobs,
        )
    )
    return _status(tracking_number, status)


@router.post(
    "/complaints/{tracking_number}/response", response_model=StatusOut, openapi_extra=PUBLIC
)
def respond(
    tracking_number: str, body: ResponseIn, db: DbDep, settings: SettingsDep, pin: PinDep
) -> StatusOut:
    """Rate the resolution 1-5: 3 or more closes the complaint, 1 or 2 appeals it."""
    status = intake.respond_to_resolution(
        db,
        tracking_number=tracking_number,
        pin=pin,
        secret=settings.secret_key,
        rating=body.rating,
        comment=body.comment,
    )
    return _status(tracking_number, status)


@router.patch("/complaints/{tracking_number}/reporter", status_code=204, openapi_extra=PUBLIC)
def edit_reporter(
    tracking_number: str, body: ReporterUpdateIn, db: DbDep, settings: SettingsDep, pin: PinDep
) -> Response:
    """Correct the reporter's details, or change the privacy (e.g. to anonymous)."""
    intake.update_reporter(
        db,
        tracking_number=tracking_number,
        pin=pin,
        secret=settings.secret_key,
        reporter=_reporter(body.reporter) if body.reporter else None,
        privacy=body.privacy,
    )
    return Response(status_code=204)


@router.delete("/complaints/{tracking_number}/reporter", status_code=204, openapi_extra=PUBLIC)
def redact_reporter(
    tracking_number: str, db: DbDep, settings: SettingsDep, pin: PinDep
) -> Response:
    """Erase the reporter's identity and what they wrote after the complaint itself."""
    intake.redact_reporter(db, tracking_number=tracking_number, pin=pin, secret=settings.secret_key)
    return Response(status_code=204)


# --- officers -------------------------------------------------------------------------------


@router.get("/officer/complaints", openapi_extra=OFFICER)
def queue(
    db: DbDep,
    officer: OfficerDep,
    unit: Annotated[str, Query(max_length=82)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> list[dict[str, Any]]:
    """Open complaints the officer can act on, the nearest deadline first."""
    with db.unit_of_work(readonly=True) as uow:
        return to_json(queries.complaint_queue(uow, officer, unit=unit, status=status))  # type: ignore[no-any-return]


@router.get("/officer/complaints/{tracking_number}", openapi_extra=OFFICER)
def read_for_officer(tracking_number: str, db: DbDep, officer: OfficerDep) -> dict[str, Any]:
    """The whole complaint for an officer of its agency; an anonymous reporter stays hidden.

    The read is logged, for the reporter to see who has seen the complaint.
    """
    with db.unit_of_work(readonly=True) as uow:
        view = queries.officer_complaint(uow, officer, tracking_number)
        read = privacy.officer_read(uow, officer, view.tracking_number, "complaint")
    privacy.log_read(db, read)
    return view_json(view, "officer")


@router.post(
    "/officer/complaints/{tracking_number}/verification",
    response_model=StatusOut,
    openapi_extra=OFFICER,
)
def verify(tracking_number: str, body: VerificationIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Accept the complaint with a resolution tier (and optionally dispose it to a unit)."""
    status = service.verify_complaint(
        db, officer, tracking_number, tier=body.tier, privacy=body.privacy, dispose_to=body.unit
    )
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/information-request",
    response_model=StatusOut,
    openapi_extra=OFFICER,
)
def ask(tracking_number: str, body: QuestionIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Ask the reporter for more; the verification clock stops until they answer."""
    status = service.ask_for_information(db, officer, tracking_number, body.question)
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/forward", response_model=StatusOut, openapi_extra=OFFICER
)
def forward(tracking_number: str, body: ForwardIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Not our authority: to another agency's unit (by unit or category) or outside Layan."""
    status = service.forward_complaint(
        db,
        officer,
        tracking_number,
        reason=body.reason,
        to_unit=body.to_unit,
        category=body.category,
        to_external=body.to_external,
    )
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/archive", response_model=StatusOut, openapi_extra=OFFICER
)
def archive(tracking_number: str, body: ArchiveIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Close without action, with a reason (or as a duplicate of another complaint)."""
    status = service.archive_complaint(
        db,
        officer,
        tracking_number,
        reason_code=body.reason_code,
        reason=body.reason,
        duplicate_of=body.duplicate_of,
    )
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/disposition",
    response_model=StatusOut,
    openapi_extra=OFFICER,
)
def dispose(tracking_number: str, body: DispositionIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Give the verified complaint to a unit of the agency."""
    status = service.dispose_to_unit(db, officer, tracking_number, body.unit)
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/follow-up",
    response_model=StatusOut,
    openapi_extra=OFFICER,
)
def follow_up(tracking_number: str, body: FollowUpIn, db: DbDep, officer: OfficerDep) -> StatusOut:
    """Say publicly what the unit is doing about the complaint."""
    status = service.post_follow_up(db, officer, tracking_number, body.text)
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/resolution",
    response_model=StatusOut,
    openapi_extra={**_multipart("resolution", "ResolutionIn"), **OFFICER},
)
async def resolve(
    tracking_number: str, request: Request, db: DbDep, blobs: BlobsDep, officer: OfficerDep
) -> StatusOut:
    """Resolved, with proof in words and optionally photos or documents."""
    body, files = await _read_body(request, "resolution", ResolutionIn)
    status = await run_in_threadpool(
        lambda: service.resolve_complaint(
            db, officer, tracking_number, proof=body.proof, files=files, blobs=blobs
        )
    )
    return _status(tracking_number, status)


@router.post(
    "/officer/complaints/{tracking_number}/appeal-decision",
    response_model=StatusOut,
    openapi_extra=OFFICER,
)
def decide_appeal(
    tracking_number: str, body: AppealDecisionIn, db: DbDep, officer: OfficerDep
) -> StatusOut:
    """The unit's supervisor upholds the resolution or reopens the complaint."""
    status = service.decide_appeal(
        db, officer, tracking_number, outcome=body.outcome, reason=body.reason
    )
    return _status(tracking_number, status)
