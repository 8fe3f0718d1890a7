"""JSON endpoints of the satisfaction survey: answer, import paper questionnaires, the index."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.surveys import queries, service
from layan.web.deps import DbDep, OfficerDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["surveys"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024
_TWO = Decimal("0.01")

_CSV_UPLOAD = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "UTF-8 CSV with a header row: unit,service,date,"
                            "requirements,procedure,time,fee,product,competence,behaviour,"
                            "complaints,facilities[,age_band,sex,education,occupation,suggestion]",
                        }
                    },
                    "required": ["file"],
                }
            }
        },
        "required": True,
    }
}
_ANSWERS = Body(
    description="Scores 1-4 by element key (requirements, procedure, time, fee, product, "
    "competence, behaviour, complaints, facilities); optional age_band, sex, education, "
    "occupation and suggestion; for a unit's walk-in survey, the service code.",
    examples=[
        {
            "requirements": 4,
            "procedure": 3,
            "time": 3,
            "fee": 4,
            "product": 4,
            "competence": 3,
            "behaviour": 4,
            "complaints": 2,
            "facilities": 3,
            "suggestion": "Ruang tunggu perlu kipas angin",
        }
    ],
)


def _invalid(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Kiriman tidak sah", "Invalid submission"), "invalid", [FieldError(field, code, text)]
    )


def _receipt(receipt: service.SurveyReceipt) -> JSONResponse:
    return JSONResponse(
        {
            "id": receipt.response_id,
            "low_scores": receipt.low_scores,
            "complaint_url": receipt.complaint_url,
        },
        status_code=201,
    )


@router.post(
    "/applications/{tracking_number}/survey",
    status_code=201,
    openapi_extra={"x-permission": "public"},
)
def answer_for_application(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
    answers: Annotated[dict[str, Any], _ANSWERS],
) -> JSONResponse:
    """The applicant's questionnaire once the application ended; one per application."""
    receipt = service.answer_for_application(
        db,
        tracking_number=tracking_number,
        pin=x_tracking_pin,
        secret=settings.secret_key,
        raw=answers,
    )
    return _receipt(receipt)


@router.post(
    "/complaints/{tracking_number}/survey",
    status_code=201,
    openapi_extra={"x-permission": "public"},
)
def answer_for_complaint(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
    answers: Annotated[dict[str, Any], _ANSWERS],
) -> JSONResponse:
    """The reporter's questionnaire once the complaint closed; one per complaint."""
    receipt = service.answer_for_complaint(
        db,
        tracking_number=tracking_number,
        pin=x_tracking_pin,
        secret=settings.secret_key,
        raw=answers,
    )
    return _receipt(receipt)


@router.post("/units/{unit}/survey", status_code=201, openapi_extra={"x-permission": "public"})
def answer_walk_in(
    unit: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    answers: Annotated[dict[str, Any], _ANSWERS],
) -> JSONResponse:
    """A walk-in respondent's questionnaire for a unit (AGENCY.UNIT), rate-limited per source."""
    receipt = service.answer_walk_in(
        db,
        unit_code=unit,
        raw=answers,
        address=request.client.host if request.client else "",
        secret=settings.secret_key,
    )
    return _receipt(receipt)


@router.post(
    "/surveys/import",
    status_code=201,
    openapi_extra={**_CSV_UPLOAD, "x-permission": "officer"},
)
async def import_paper(request: Request, db: DbDep, officer: OfficerDep) -> JSONResponse:
    """Paper questionnaires from a CSV (agency admin): every row stored, or none."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _invalid(
            "file",
            "file.required",
            Text("Kirim berkas CSV di bagian `file`", "Send the CSV file in the `file` part"),
        )
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _invalid(
                "file",
                "file.required",
                Text("Kirim berkas CSV di bagian `file`", "Send the CSV file in the `file` part"),
            )
        content = await upload.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise _invalid(
            "file",
            "file.too_large",
            Text("Berkas lebih dari 5 MB", "The file is larger than 5 MB"),
        )
    result = await run_in_threadpool(service.import_paper, db, officer, content)
    return JSONResponse(
        {"imported": result.imported, "agencies": result.agencies, "sha256": result.sha256},
        status_code=201,
    )


def _two(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(_TWO, rounding=ROUND_HALF_UP))


def report_json(report: queries.IkmReport) -> dict[str, Any]:
    """An index as the API publishes it: figures as strings with 2 decimals, counts beside."""
    result = report.result
    return {
        "scope": {"type": report.scope.kind, "code": report.scope.code},
        "agency": report.scope.agency,
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "legacy": result.legacy,
        "ikm": _two(result.ikm),
        "mutu": result.band.mutu if result.band else None,
        "kinerja": result.band.kinerja.id if result.band else None,
        "responses": result.responses,
        "nrr": {key: _two(value) for key, value in result.nrr.items()},
        "answered": dict(result.answered),
        "served": report.served,
        "sample_size_required": report.sample_size_required,
        "sample_size_met": report.sample_size_met,
    }


@router.get("/ikm", openapi_extra={"x-permission": "public"})
def ikm(
    db: DbDep,
    unit: Annotated[str | None, Query(max_length=82, description="AGENCY.UNIT")] = None,
    service_code: Annotated[str | None, Query(alias="service", max_length=63)] = None,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[date | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day, YYYY-MM-DD")] = None,
    legacy: Annotated[bool, Query(description="Weigh each element 0.111 as printed")] = False,
) -> dict[str, Any]:
    """The satisfaction index (IKM) of one unit, service or agency over a period.

    The period defaults to the current year up to today. Every figure comes with the
    number of responses it rests on, and whether they reach the Krejcie-Morgan sample
    size for the people served (applications that ended in the period).
    """
    with db.unit_of_work(readonly=True) as uow:
        report = queries.ikm_report(
            uow,
            unit=unit,
            service=service_code,
            agency=agency,
            start=start,
            end=end,
            legacy=legacy,
        )
    return report_json(report)
