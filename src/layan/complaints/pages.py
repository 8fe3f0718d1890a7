"""The citizen's complaint pages: the form, the receipt, the public list and a complaint.

Every page works without JavaScript; with htmx the form offers similar reports as the
place is typed. The reporter opens their own complaint with its PIN (sent in a form,
never in the address) to answer a question, rate the resolution, or edit or erase
their details, and to see which officers have read it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from layan.complaints import checks, intake, privacy, queries, rules
from layan.complaints.checks import Location, NewComplaint, Reporter
from layan.complaints.procedure import IncomingFile
from layan.core.errors import NotFoundError, ValidationFailedError
from layan.notify import service as notify
from layan.web.deps import BlobsDep, DbDep, SettingsDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
FILE_SLOTS = ("file1", "file2", "file3")
REPORTER_FIELDS = ("name", "phone", "email", "nik")


def anchor(field: str) -> str:
    """The id of the input a field error points at."""
    if field == "location":
        return "location-lat"
    return field.replace(".", "-").replace("_", "-")


def errors_of(exc: ValidationFailedError, language: str) -> list[dict[str, str]]:
    return [
        {"field": e.field, "anchor": anchor(e.field), "message": e.text(language)}
        for e in exc.errors
    ]


async def _read_form(request: Request) -> tuple[FormData, dict[str, IncomingFile]]:
    files: dict[str, IncomingFile] = {}
    limit = checks.MAX_ATTACHMENT_BYTES + 1
    async with request.form(max_files=5, max_fields=40, max_part_size=64 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and value.filename:
                content = await value.read(limit)
                files[name] = IncomingFile(value.filename, value.content_type or "", content)
        fields = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    return fields, files


def _values(form: FormData) -> dict[str, str]:
    return {k: str(v)[:5000] for k, v in form.items() if k not in ("csrf_token", "pin")}


# --- the form and the receipt -----------------------------------------------------------


def _form_page(
    request: Request,
    values: dict[str, str],
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
    files_lost: bool = False,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "complaints/new.html",
        {
            "values": values,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "categories": queries.list_categories(),
            "kinds": rules.Kind.ALL,
            "privacies": rules.Privacy.ALL,
            "slots": FILE_SLOTS,
            "files_lost": files_lost,
        },
        status,
    )


@router.get("/pengaduan/baru", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def new_form(request: Request, kategori: str = "", permohonan: str = "") -> HTMLResponse:
    """The complaint form; a category or an application number may come filled in."""
    values = {
        "kind": rules.Kind.COMPLAINT,
        "privacy": rules.Privacy.PUBLIC,
        "category": kategori if rules.find_category(kategori) else "",
        "application_number": permohonan[:20],
        "nonce": secrets.token_urlsafe(16),
    }
    return _form_page(request, values)


def _new_complaint(values: dict[str, str]) -> NewComplaint:
    return NewComplaint(
        kind=values.get("kind", ""),
        category=values.get("category", ""),
        description=values.get("description", ""),
        title=values.get("title"),
        location=Location(
            values.get("location.lat"),  # type: ignore[arg-type]
            values.get("location.lon"),  # type: ignore[arg-type]
            values.get("location.address"),
        ),
        application_number=values.get("application_number"),
        privacy=values.get("privacy", ""),
        reporter=Reporter(*(values.get(f"reporter.{f}") for f in REPORTER_FIELDS)),
        channel="web",
    )


@router.post("/pengaduan/baru", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def submit(
    request: Request, db: DbDep, settings: SettingsDep, blobs: BlobsDep
) -> HTMLResponse:
    """Send the report; mistakes come back beside their fields, a retry files it once."""
    form, files = await _read_form(request)
    values = _values(form)
    nonce = values.get("nonce", "")
    key = hashlib.sha256(f"complaint-form:{nonce}".encode()).hexdigest() if nonce else None
    try:
        receipt = await run_in_threadpool(
            lambda: intake.submit_complaint(
                db,
                _new_complaint(values),
                {k: v for k, v in files.items() if k in FILE_SLOTS},
                blobs=blobs,
                secret=settings.secret_key,
                idempotency_key=key,
            )
        )
    except ValidationFailedError as exc:
        return _form_page(request, values, errors_of(exc, lang(request)), 422, bool(files))
    return render(
        request,
        "complaints/receipt.html",
        {"receipt": receipt, "spoken": rules.format_tracking_number(receipt.tracking_number)},
        201,
    )


def _similar(db: Any, category: str, location: Location) -> list[queries.SimilarComplaint]:
    with db.unit_of_work(readonly=True) as uow:
        return queries.similar_complaints(uow, category, location)


@router.get("/pengaduan/serupa", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def similar(request: Request, db: DbDep) -> HTMLResponse:
    """Similar open reports near the place being typed (an htmx fragment)."""
    params = request.query_params
    category = params.get("category", "")
    try:
        location, problems = checks.check_location(
            params.get("location.lat"),
            params.get("location.lon"),
            params.get("location.address"),
            required=False,
        )
    except ValueError:
        return HTMLResponse("")
    if problems or not rules.find_category(category):
        return HTMLResponse("")
    found = await run_in_threadpool(_similar, db, category, location)
    return render(request, "complaints/_similar.html", {"similar": found})


# --- the public list and a complaint -------------------------------------------------------


def _page(db: Any, category: str, state: str, offset: int) -> queries.PublicPage:
    with db.unit_of_work(readonly=True) as uow:
        return queries.list_public_complaints(
            uow, category=category or None, state=state or None, limit=20, offset=offset
        )


@router.get("/pengaduan", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def public_list(
    request: Request, db: DbDep, kategori: str = "", status: str = "", mulai: int = 0
) -> HTMLResponse:
    """Every report that is not confidential, newest first, with where it stands."""
    category = kategori if rules.find_category(kategori) else ""
    state = status if status in ("open", "closed") else ""
    # Clamped to a database integer: a larger offset would overflow the driver.
    offset = max(0, min(mulai, 2**63 - 1))
    page = await run_in_threadpool(_page, db, category, state, offset)
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "categories": queries.list_categories(),
            "category": category,
            "state": state,
        },
    )


def _public(db: Any, number: str) -> queries.ComplaintView:
    with db.unit_of_work(readonly=True) as uow:
        return queries.public_complaint(uow, number)


Mine = tuple[queries.ComplaintView, list[privacy.AccessEntry], list[notify.MessageView]]


def _mine(db: Any, number: str, pin: str, secret: str) -> Mine:
    """The reporter's whole complaint, who has read it and the messages sent about it;
    NotFound for a wrong PIN."""
    with queries.pin_guard(db, number), db.unit_of_work(readonly=True) as uow:
        view = queries.reporter_complaint(uow, number, pin, secret)
        number = view.tracking_number
        reads = privacy.reads_of_complaint(uow.session, number)
        return view, reads, notify.messages_of(uow, "complaint", number)


def _detail(
    request: Request,
    view: queries.ComplaintView,
    *,
    pin: str = "",
    errors: list[dict[str, str]] | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
    reads: list[privacy.AccessEntry] | None = None,
    sent: list[notify.MessageView] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    context: dict[str, Any] = {
        "v": view,
        "spoken": rules.format_tracking_number(view.tracking_number),
        "pin": pin,
        "mine": bool(pin),
        "errors": errors,
        "error_for": {e["field"]: e["message"] for e in errors},
        "notice": notice,
        "values": values or {},
        "privacies": rules.Privacy.ALL,
        "ombudsman": rules.ombudsman_next(view.status, view.rating),
    }
    if pin:
        context["access_log"] = reads or []
        context["messages"], context["complaint"] = sent or [], True
        context["access_lead"] = privacy.LEAD
        context["access_what"] = privacy.WHAT_NAMES
        context["access_why"] = privacy.WHY_NAMES
        context["attachment_names"] = {a.id: a.filename for a in view.attachments}
    return render(request, "complaints/detail.html", context, status)


@router.get("/pengaduan/lacak", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def track_form(request: Request) -> HTMLResponse:
    """Open one's own complaint (also a confidential one) with its number and PIN."""
    return render(request, "complaints/track.html", {"nomor": "", "errors": []})


@router.post("/pengaduan/lacak", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def track(request: Request, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        number = str(form.get("nomor") or "")[:30]
        pin = str(form.get("pin") or "").strip()[:12]
    try:
        view, reads, sent = await run_in_threadpool(_mine, db, number, pin, settings.secret_key)
    except NotFoundError:
        message = translate("cp.track.not_found", lang(request))
        errors = [{"field": "pin", "anchor": "pin", "message": message}]
        return render(request, "complaints/track.html", {"nomor": number, "errors": errors}, 404)
    return _detail(request, view, pin=pin, reads=reads, sent=sent)


@router.get("/pengaduan/{number}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def detail(request: Request, number: str, db: DbDep) -> HTMLResponse:
    """A public report, its deadlines and answers; never its reporter's contact details."""
    view = await run_in_threadpool(_public, db, number)
    return _detail(request, view)


@router.post("/pengaduan/{number}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def open_mine(
    request: Request, number: str, db: DbDep, settings: SettingsDep
) -> HTMLResponse:
    """The reporter's whole report once the PIN is given, with what they can do on it."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        pin = str(form.get("pin") or "").strip()[:12]
    try:
        view, reads, sent = await run_in_threadpool(_mine, db, number, pin, settings.secret_key)
    except NotFoundError:
        view = await run_in_threadpool(_public, db, number)
        message = translate("cp.track.not_found", lang(request))
        return _detail(
            request,
            view,
            errors=[{"field": "pin", "anchor": "pin", "message": message}],
            status=404,
        )
    return _detail(request, view, pin=pin, reads=reads, sent=sent)


# --- what the reporter can do ---------------------------------------------------------------


async def _reporter_action(
    request: Request, number: str, db: Any, secret: str, act: Any, notice: str
) -> HTMLResponse:
    """Run one of the reporter's actions; show the report again with a notice or the errors."""
    form, files = await _read_form(request)
    pin = str(form.get("pin") or "").strip()[:12]
    values = _values(form)
    # The action opens the complaint with the PIN itself (a wrong one is a 404, counted
    # once); the report is then read once, as it stands after the action.
    try:
        await run_in_threadpool(lambda: act(number, pin, values, files))
    except ValidationFailedError as exc:
        errors = errors_of(exc, lang(request))
        view, reads, sent = await run_in_threadpool(
            _mine, db, number, pin, secret
        )  # 404: wrong PIN
        return _detail(
            request,
            view,
            pin=pin,
            errors=errors,
            values=values,
            reads=reads,
            sent=sent,
            status=422,
        )
    view, reads, sent = await run_in_threadpool(_mine, db, number, pin, secret)
    return _detail(request, view, pin=pin, notice=notice, reads=reads, sent=sent)


@router.post("/pengaduan/{number}/lengkapi", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def answer(
    request: Request, number: str, db: DbDep, settings: SettingsDep, blobs: BlobsDep
) -> HTMLResponse:
    """The reporter answers the verifier's question."""

    def act(n: str, pin: str, values: dict[str, str], files: dict[str, IncomingFile]) -> None:
        intake.add_information(
            db,
            tracking_number=n,
            pin=pin,
            secret=settings.secret_key,
            text=values.get("text", ""),
            files={k: v for k, v in files.items() if k in FILE_SLOTS},
            blobs=blobs,
        )

    return await _reporter_action(
        request, number, db, settings.secret_key, act, "cp.mine.saved.answered"
    )


@router.post("/pengaduan/{number}/tanggapan", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def respond(request: Request, number: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """The reporter rates the resolution; a poor rating appeals it."""

    def act(n: str, pin: str, values: dict[str, str], _files: object) -> None:
        raw = values.get("rating", "")
        intake.respond_to_resolution(
            db,
            tracking_number=n,
            pin=pin,
            secret=settings.secret_key,
            rating=int(raw) if raw.isdigit() and len(raw) == 1 else None,
            comment=values.get("comment"),
        )

    return await _reporter_action(
        request, number, db, settings.secret_key, act, "cp.mine.saved.responded"
    )


@router.post("/pengaduan/{number}/data-diri", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def edit_details(
    request: Request, number: str, db: DbDep, settings: SettingsDep
) -> HTMLResponse:
    """The reporter corrects their details or changes the privacy."""

    def act(n: str, pin: str, values: dict[str, str], _files: object) -> None:
        intake.update_reporter(
            db,
            tracking_number=n,
            pin=pin,
            secret=settings.secret_key,
            reporter=Reporter(*(values.get(f"reporter.{f}") for f in REPORTER_FIELDS)),
            privacy=values.get("privacy") or None,
        )

    return await _reporter_action(
        request, number, db, settings.secret_key, act, "cp.mine.saved.edited"
    )


@router.post("/pengaduan/{number}/hapus-data", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def redact(request: Request, number: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """The reporter erases their details and what they wrote."""

    def act(n: str, pin: str, _values: object, _files: object) -> None:
        intake.redact_reporter(db, tracking_number=n, pin=pin, secret=settings.secret_key)

    return await _reporter_action(
        request, number, db, settings.secret_key, act, "cp.mine.saved.redacted"
    )
