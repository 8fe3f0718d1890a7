"""The Open311 GeoReport v2 endpoints under /open311/v2, in JSON and XML.

Every answer, errors included, is in the format the path asks for (`.json` or `.xml`);
an error is the specification's array of {code, description}: 400 for bad input, 403
for a missing or wrong api_key, 404 for what is not there. A format other than json or
xml is 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from layan.complaints import checks
from layan.complaints import rules as complaint_rules
from layan.complaints.intake import IncomingFile
from layan.core.errors import DomainError, Text, ValidationFailedError
from layan.open311 import queries, rules, service
from layan.web.deps import BlobsDep, DbDep, SettingsDep
from layan.web.errors import lang, status_of

router = APIRouter(prefix="/open311/v2", tags=["open311"])
PUBLIC = {"x-permission": "public"}
API_KEY = {"x-permission": "api_key"}
MAX_FIELD = 8000  # a form field longer than any a request can hold is cut here


class Open311Error(Exception):
    """An answer in the specification's error format."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def _render(format: str, root: str, body: Any, status: int = 200) -> Response:
    if format == "xml":
        return Response(rules.to_xml(root, body), status, media_type="text/xml; charset=utf-8")
    return Response(json.dumps(body, ensure_ascii=False), status, media_type="application/json")


def _errors(format: str, status: int, descriptions: list[str]) -> Response:
    return _render(format, "errors", rules.error_list(status, descriptions), status)


def _problem(exc: DomainError, language: str) -> tuple[int, list[str]]:
    """The spec knows 403 and 404; every other DomainError is bad input, 400."""
    status = status_of(exc)
    if status in (403, 404):
        return status, [exc.text(language)]
    if isinstance(exc, ValidationFailedError) and exc.errors:
        return 400, [f"{rules.open311_field(e.field)}: {e.text(language)}" for e in exc.errors]
    return 400, [exc.text(language)]


def _wrong_format(format: str) -> Response | None:
    """The 404 for a format other than json or xml, answered in JSON; None for a known one."""
    if format not in rules.FORMATS:
        return _errors("json", 404, [f"Unknown format {format!r}: use .json or .xml"])
    return None


def _failure(format: str, exc: Open311Error | DomainError, language: str) -> Response:
    """A failure in the spec's error format."""
    if isinstance(exc, Open311Error):
        return _errors(format, exc.status, exc.descriptions)
    return _errors(format, *_problem(exc, language))


def _answer(request: Request, format: str, root: str, make: Callable[[str], Any]) -> Response:
    """Run `make(language)` and answer in `format`; every failure in the spec's error format."""
    if (wrong := _wrong_format(format)) is not None:
        return wrong
    language = lang(request)
    try:
        return _render(format, root, make(language))
    except (Open311Error, DomainError) as exc:
        return _failure(format, exc, language)


# --- discovery and services ---------------------------------------------------------------


@router.get("/discovery.{format}", openapi_extra=PUBLIC)
def discovery(format: str, request: Request) -> Response:
    """Where this endpoint is, what it speaks, and how a client gets an api_key."""
    base = str(request.base_url).rstrip("/") + "/open311/v2"

    def make(language: str) -> dict[str, Any]:
        return {
            "changeset": rules.CHANGESET,
            "contact": Text(
                "Hubungi admin instansi Anda untuk bantuan",
                "Ask the agency's administrator for assistance",
            )(language),
            "key_service": Text(
                "Kunci API (api_key) diberikan oleh admin instansi di halaman admin Layan",
                "An api_key is issued by an agency administrator on Layan's admin page",
            )(language),
            "endpoints": [
                {
                    "specification": rules.SPECIFICATION,
                    "url": base,
                    "changeset": rules.CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }

    return _answer(request, format, "discovery", make)


@router.get("/services.{format}", openapi_extra=PUBLIC)
def services(format: str, request: Request, db: DbDep) -> Response:
    """Every service (complaint category) a request can be about, grouped by agency."""

    def make(language: str) -> list[dict[str, Any]]:
        with db.unit_of_work(readonly=True) as uow:
            return queries.list_services(uow, language)

    return _answer(request, format, "services", make)


@router.get("/services/{service_code}.{format}", openapi_extra=PUBLIC)
def service_definition(service_code: str, format: str, request: Request) -> Response:
    """The attributes a client asks for a service (kind, privacy, title, application)."""
    return _answer(
        request,
        format,
        "service_definition",
        lambda language: queries.service_definition(service_code, language),
    )


# --- service requests ---------------------------------------------------------------------


def _moment(name: str, value: str | None) -> Any:
    if value is None or not value.strip():
        return None
    found = rules.parse_w3c(value)
    if found is None:
        raise Open311Error(400, [f"{name}: not a W3C date or datetime ({value[:40]})"])
    return found


def _number(name: str, value: str | None, default: int, most: int) -> int:
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or not 1 <= int(value) <= most:
        raise Open311Error(400, [f"{name}: a whole number from 1 to {most}"])
    return int(value)


@router.get("/requests.{format}", openapi_extra=PUBLIC)
def list_requests(
    format: str,
    request: Request,
    db: DbDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> Response:
    """Public requests: by id (comma list), or by service, state and a window of <= 90 days.

    Without dates the last 90 days; newest first, `page_size` (at most 200) at a time.
    """

    def make(language: str) -> list[dict[str, Any]]:
        ids = rules.split_list(service_request_id)
        if ids:
            with db.unit_of_work(readonly=True) as uow:
                return queries.requests_by_id(uow, ids, language)
        codes = rules.split_list(service_code)
        unknown = [c for c in codes if complaint_rules.find_category(c) is None]
        if unknown:
            raise Open311Error(400, [f"service_code: unknown {c}" for c in unknown])
        state, valid = rules.parse_states(status)
        if not valid:
            raise Open311Error(400, ["status: open, closed or both (comma delimited)"])
        start, end = _moment("start_date", start_date), _moment("end_date", end_date)
        chosen_page = _number("page", page, 1, 10_000)
        size = _number("page_size", page_size, rules.PAGE_SIZE, rules.MAX_PAGE_SIZE)
        with db.unit_of_work(readonly=True) as uow:
            window = rules.request_window(start, end, uow.now())
            if isinstance(window, Text):
                raise Open311Error(400, [window(language)])
            chosen = queries.RequestFilter(codes, state, *window, chosen_page, size)
            return queries.list_requests(uow, chosen, language)

    return _answer(request, format, "service_requests", make)


@router.get("/requests/{service_request_id}.{format}", openapi_extra=PUBLIC)
def read_request(service_request_id: str, format: str, request: Request, db: DbDep) -> Response:
    """One public request, with its status, the agency answering and the next deadline."""

    def make(language: str) -> list[dict[str, Any]]:
        with db.unit_of_work(readonly=True) as uow:
            return [queries.get_request(uow, service_request_id, language)]

    return _answer(request, format, "service_requests", make)


@router.get("/tokens/{token}.{format}", openapi_extra=PUBLIC)
def read_token(token: str, format: str, request: Request, db: DbDep) -> Response:
    """The request a token stands for. Requests are made at once, so a token is its id."""

    def make(language: str) -> list[dict[str, Any]]:
        with db.unit_of_work(readonly=True) as uow:
            found = queries.get_request(uow, token, language)
        return [{"service_request_id": found["service_request_id"], "token": token}]

    return _answer(request, format, "service_requests", make)


@router.get("/servicerequestupdates.{format}", openapi_extra=PUBLIC)
def request_updates(
    format: str,
    request: Request,
    db: DbDep,
    start_date: str | None = None,
    end_date: str | None = None,
) -> Response:
    """What happened to public requests in a window of at most 90 days (the last 90 by default)."""

    def make(language: str) -> list[dict[str, Any]]:
        start, end = _moment("start_date", start_date), _moment("end_date", end_date)
        with db.unit_of_work(readonly=True) as uow:
            window = rules.request_window(start, end, uow.now())
            if isinstance(window, Text):
                raise Open311Error(400, [window(language)])
            return queries.request_updates(uow, *window, language)

    return _answer(request, format, "service_request_updates", make)


async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, IncomingFile]]:
    """The form's fields, and an uploaded `media` file (read only up to one byte too many)."""
    fields: dict[str, str] = {}
    files: dict[str, IncomingFile] = {}
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise Open311Error(400, ["Send application/x-www-form-urlencoded or multipart/form-data"])
    async with request.form(max_files=5, max_fields=40, max_part_size=64 * 1024) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read(checks.MAX_ATTACHMENT_BYTES + 1)
                if value.filename or content:
                    files[f"media{len(files) or ''}"] = IncomingFile(
                        value.filename or name, value.content_type or "", content
                    )
            else:
                fields.setdefault(name, value[:MAX_FIELD])
    return fields, files


@router.post("/requests.{format}", openapi_extra=API_KEY)
async def create_request(
    format: str, request: Request, db: DbDep, settings: SettingsDep, blobs: BlobsDep
) -> Response:
    """Submit a request with an api_key: a complaint checked whole, stored whole or not at all.

    Answered 200 with [{service_request_id, service_notice, account_id}], as the spec says.
    """
    if (wrong := _wrong_format(format)) is not None:
        return wrong
    language = lang(request)
    try:
        fields, files = await _read_form(request)
        receipt = await run_in_threadpool(
            lambda: service.submit_request(
                db,
                fields,
                files,
                blobs=blobs,
                secret=settings.secret_key,
                language=language,
            )
        )
    except (Open311Error, DomainError) as exc:
        return _failure(format, exc, language)
    body = [
        {
            "service_request_id": receipt.service_request_id,
            "service_notice": receipt.service_notice,
            "account_id": receipt.account_id,
        }
    ]
    return _render(format, "service_requests", body)
