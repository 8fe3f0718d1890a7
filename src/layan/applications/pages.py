"""The citizen's pages: apply (form, check your answers, receipt), track, fix and resubmit.

Every step works without JavaScript. Files that passed their checks are kept in the
content-addressed store and carried between pages by digest in a signed field, so a
citizen never uploads the same file twice because another field had a mistake.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from layan.applications import drafts, intake, outputs, queries
from layan.applications.rules import (
    Status,
    channels_in_use,
    format_tracking_number,
    labels,
    normalise_tracking_number,
)
from layan.catalogue import queries as catalogue
from layan.catalogue.rules import condition_holds
from layan.core.errors import NotFoundError, TooManyRequestsError, ValidationFailedError
from layan.core.identity import InvalidNikError, parse_nik
from layan.documents import wallet
from layan.notify import service as notify
from layan.surveys import queries as surveys
from layan.web.deps import BlobsDep, DbDep, IssuerDep, RegistriesDep, SettingsDep
from layan.web.errors import lang
from layan.web.files import pdf_response
from layan.web.messages import translate
from layan.web.session import check_csrf, seal, unseal
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
APPLICANT_FIELDS = ("nik", "name", "phone", "email")


def anchor(field: str, code: str = "") -> str:
    """The id of the input a field error points at (an issued document's id has its own)."""
    if code.startswith("issued."):
        return f"issued-{field}"
    return field.replace(".", "-") if "." in field else f"file-{field}"


def _errors(exc: ValidationFailedError, lang: str) -> list[dict[str, str]]:
    return [
        {"field": e.field, "anchor": anchor(e.field, e.code), "message": e.text(lang)}
        for e in exc.errors
    ]


def _issued(form: FormData) -> dict[str, str]:
    """The issued documents' ids typed or chosen on the form (`issued.<requirement>`)."""
    return {
        k[7:]: str(v).strip()[:40]
        for k, v in form.items()
        if k.startswith("issued.") and str(v).strip()
    }


def _choices(db: Any, request: Request, standard: Any) -> dict[str, Any]:
    """The wallet's documents to pick for each issued-document requirement, when open."""
    wanted = {r.code: r.services for r in standard.requirements if r.kind == "issued_document"}
    if not wanted or not request.cookies.get(wallet.COOKIE):
        return {}
    with db.unit_of_work(readonly=True) as uow:
        return wallet.issued_choices(uow, request.cookies.get(wallet.COOKIE), wanted)


async def _read_form(
    request: Request, limit: int
) -> tuple[FormData, dict[str, intake.IncomingFile]]:
    files: dict[str, intake.IncomingFile] = {}
    async with request.form(max_files=30, max_fields=80, max_part_size=1024 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and name.startswith("file.") and value.filename:
                content = await value.read(limit + 1)
                files[name[5:]] = intake.IncomingFile(
                    value.filename, value.content_type or "", content
                )
        fields = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    return fields, files


def _kept_files(request: Request, form: FormData, blobs: Any) -> dict[str, intake.IncomingFile]:
    """Files accepted on an earlier try of this form, carried as signed digests."""
    kept: dict[str, intake.IncomingFile] = {}
    if form.get("kept"):
        for slot, meta in unseal(request, form.get("kept")).items():
            name, content_type, digest = meta  # type: ignore[misc]
            kept[slot] = intake.IncomingFile(name, content_type, blobs.get(digest))
    return kept


def _standard(db: Any, code: str) -> catalogue.PublishedStandard:
    with db.unit_of_work(readonly=True) as uow:
        return catalogue.get_standard(uow, code)


def _form_page(
    request: Request,
    published: catalogue.PublishedStandard,
    *,
    values: dict[str, str],
    errors: list[dict[str, str]],
    kept: dict[str, list[str]],
    choices: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    standard = published.standard
    return render(
        request,
        "applications/apply.html",
        {
            "p": published,
            "s": standard,
            "once": {r.code: r for r in standard.requirements if r.once_only},
            "choices": choices,
            "values": values,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "kept": kept,
            "kept_sealed": seal(request, kept) if kept else "",
        },
        status,
    )


@router.get("/layanan/{code}/ajukan", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def apply_form(request: Request, code: str, db: DbDep) -> HTMLResponse:
    """The application form generated from the service's standard."""
    published = await run_in_threadpool(_standard, db, code)
    choices = await run_in_threadpool(_choices, db, request, published.standard)
    return _form_page(request, published, values={}, errors=[], kept={}, choices=choices)


@router.post("/layanan/{code}/ajukan", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def check_answers(
    request: Request, code: str, db: DbDep, settings: SettingsDep, blobs: BlobsDep
) -> HTMLResponse:
    """Check everything; show the mistakes, or the answers to confirm before sending."""
    published = await run_in_threadpool(_standard, db, code)
    form, files = await _read_form(request, settings.max_upload_kb * 1024)
    files = {**_kept_files(request, form, blobs), **files}
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "kept")}
    chosen = form.getlist("applicant.channels") if "applicant.channels_shown" in form else None
    if chosen is not None:
        values["applicant.channels"] = ",".join(str(c) for c in chosen)
    applicant = intake.Applicant(
        *(values.get(f"applicant.{f}", "") for f in APPLICANT_FIELDS),
        channels=None if chosen is None else tuple(str(c) for c in chosen),
        language=lang(request),
    )
    data = {k[5:]: v for k, v in values.items() if k.startswith("data.") and v != ""}
    issued = _issued(form)
    try:
        applicant, cleaned = await run_in_threadpool(
            lambda: intake.check_application(
                published, applicant=applicant, data=data, files=files, issued=issued
            )
        )
    except ValidationFailedError as exc:
        bad = {e.field for e in exc.errors}
        kept = {
            slot: [f.filename, f.content_type, blobs.put(f.content)]
            for slot, f in files.items()
            if slot not in bad
        }
        choices = await run_in_threadpool(_choices, db, request, published.standard)
        return _form_page(
            request,
            published,
            values=values,
            errors=_errors(exc, lang(request)),
            kept=kept,
            choices=choices,
            status=422,
        )
    stored = {slot: [f.filename, f.content_type, blobs.put(f.content)] for slot, f in files.items()}
    draft = {
        "service": code,
        "applicant": applicant.__dict__,
        "data": cleaned,
        "files": stored,
        "issued": issued,
    }
    return render(
        request,
        "applications/check.html",
        {
            "p": published,
            "s": published.standard,
            "draft": draft,
            "channels": channels_in_use(applicant.channels),
            "sealed": seal(request, draft),
            "labels": labels(published.standard),
            "lookups": [
                r
                for r in published.standard.requirements
                if r.kind == "registry"
                and r.code not in stored
                and condition_holds(r.condition, cleaned)
            ],
        },
    )


@router.post("/layanan/{code}/kirim", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def send(
    request: Request,
    code: str,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    registries: RegistriesDep,
) -> HTMLResponse:
    """Submit the confirmed answers; a second click returns the same receipt."""
    async with request.form(max_fields=5, max_part_size=4 * 1024 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        sealed = form.get("draft")
    draft = unseal(request, sealed)
    files = {
        slot: intake.IncomingFile(name, content_type, blobs.get(digest))
        for slot, (name, content_type, digest) in draft["files"].items()
    }  # type: ignore[union-attr]
    published = await run_in_threadpool(_standard, db, code)
    receipt = await run_in_threadpool(
        lambda: intake.submit_application(
            db,
            service_code=code,
            applicant=intake.Applicant(**draft["applicant"]),  # type: ignore[arg-type]
            data=draft["data"],
            files=files,
            blobs=blobs,
            secret=settings.secret_key,  # type: ignore[arg-type]
            idempotency_key=hashlib.sha256(str(sealed).encode()).hexdigest(),
            published=published,
            issued=draft.get("issued") or {},  # type: ignore[arg-type]
            registries=registries,
        )
    )
    return _receipt_page(request, published, receipt)


def _receipt_page(
    request: Request, published: catalogue.PublishedStandard, receipt: intake.Receipt
) -> HTMLResponse:
    """The receipt; for a draft, what it waits on and how to complete it (202)."""
    language = lang(request)
    return render(
        request,
        "applications/receipt.html",
        {
            "p": published,
            "receipt": receipt,
            "spoken": format_tracking_number(receipt.tracking_number),
            "pending": [x.text(published.standard)(language) for x in receipt.pending],
        },
        202 if receipt.status == "draft" else 201,
    )


@router.get("/lacak", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def track_form(request: Request, nomor: str = "") -> HTMLResponse:
    """Find an application by its tracking number."""
    if nomor:
        number = normalise_tracking_number(nomor)
        if number:
            return RedirectResponse(f"/lacak/{number}", 303)  # type: ignore[return-value]
        return render(
            request,
            "applications/track_form.html",
            {"nomor": nomor, "errors": [{"anchor": "nomor", "message": _not_found(request)}]},
            404,
        )
    return render(request, "applications/track_form.html", {"nomor": "", "errors": []})


def _not_found(request: Request) -> str:
    return translate("track.not_found", lang(request))


def _tracked(db: Any, number: str, pin: str | None, secret: str) -> dict[str, Any]:
    """What the tracking page shows, read in one unit of work.

    With a PIN (wrong ones counted by `pin_guard`), also the survey to offer and who has
    seen the applicant's data.
    """
    guard = queries.pin_guard(db, number) if pin else nullcontext()
    with guard, db.unit_of_work(readonly=True) as uow:
        found = queries.track_case(uow, number, pin, secret)
        if isinstance(found, queries.DraftView):
            draft = queries.draft_by_pin(uow, number, pin, secret)
            return {"d": found, "p": catalogue.get_standard_version(uow, draft.standard_version_id)}
        view = found
        app = queries.application_by_pin(uow, number, pin, secret)
        tracked: dict[str, Any] = {
            "v": view,
            "p": catalogue.get_standard_version(uow, app.standard_version_id),
        }
        if pin:
            tracked["survey"] = surveys.survey_invitation(uow, view.tracking_number)
            tracked["access_log"] = queries.access_log_for_applicant(
                uow, view.tracking_number, pin, secret
            )
            tracked["messages"] = notify.messages_of(uow, "application", view.tracking_number)
            tracked["channels"] = channels_in_use(app.channels)
        return tracked


async def _track_page(
    request: Request,
    db: Any,
    secret: str,
    number: str,
    pin: str | None,
    *,
    errors: list[dict[str, str]] = (),
    status: int = 200,
    **flags: bool,  # type: ignore[assignment]
) -> HTMLResponse:
    """The tracking page: public without a PIN; whole, fixable and surveyable with it."""
    tracked = await run_in_threadpool(_tracked, db, number, pin, secret)
    if "d" in tracked:
        return _draft_page(request, tracked, pin, list(errors), status)
    context: dict[str, Any] = {
        **tracked,
        "errors": list(errors),
        "pin": pin or "",
        **flags,
    }
    if pin:
        context["error_for"] = {e["field"]: e["message"] for e in errors if "field" in e}
        context["labels"] = labels(tracked["p"].standard)
        context.setdefault("returned", tracked["v"].status == Status.RETURNED)
    return render(request, "applications/track.html", context, status)


def _draft_page(
    request: Request,
    tracked: dict[str, Any],
    pin: str | None,
    errors: list[dict[str, str]],
    status: int,
) -> HTMLResponse:
    """A draft: what it waits on; with the PIN, the form that completes it."""
    standard = tracked["p"].standard
    waiting = {p["requirement"] for p in tracked["d"].pending}
    return render(
        request,
        "applications/draft.html",
        {
            **tracked,
            "pin": pin or "",
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors if "field" in e},
            "labels": labels(standard),
            "waiting_slots": [s for s in standard.document_slots() if s.code in waiting],
        },
        status,
    )


@router.post("/lacak/{number}/lengkapi", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def complete_draft(
    request: Request,
    number: str,
    db: DbDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    registries: RegistriesDep,
) -> HTMLResponse:
    """Send a draft again: the registry asked once more, or the uploads given here."""
    form, files = await _read_form(request, settings.max_upload_kb * 1024)
    pin = str(form.get("pin") or "")[:12]
    try:
        receipt = await run_in_threadpool(
            lambda: drafts.complete_draft(
                db,
                tracking_number=number,
                pin=pin,
                files=files,
                blobs=blobs,
                secret=settings.secret_key,
                issued=_issued(form),
                registries=registries,
            )
        )
    except ValidationFailedError as exc:
        return await _track_page(
            request,
            db,
            settings.secret_key,
            number,
            pin,
            errors=_errors(exc, lang(request)),
            status=422,
        )
    published = await run_in_threadpool(_standard_of, db, receipt.tracking_number)
    return _receipt_page(request, published, receipt)


def _standard_of(db: Any, number: str) -> catalogue.PublishedStandard:
    with db.unit_of_work(readonly=True) as uow:
        return catalogue.get_standard(uow, queries.service_of(uow, number))


@router.get("/lacak/{number}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def track(request: Request, number: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """Status, steps with their deadlines and the timeline; no personal data."""
    return await _track_page(request, db, settings.secret_key, number, None)


@router.post("/lacak/{number}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def track_with_pin(
    request: Request, number: str, db: DbDep, settings: SettingsDep
) -> HTMLResponse:
    """The whole application once the PIN is given; a returned one can be fixed here."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        pin = str(form.get("pin") or "").strip()
    try:
        return await _track_page(request, db, settings.secret_key, number, pin)
    except NotFoundError:
        errors = [{"anchor": "pin", "message": _not_found(request)}]
        return await _track_page(
            request, db, settings.secret_key, number, None, errors=errors, status=404
        )
    except TooManyRequestsError as exc:
        errors = [{"anchor": "pin", "message": exc.text(lang(request))}]
        return await _track_page(
            request, db, settings.secret_key, number, None, errors=errors, status=429
        )


@router.post("/lacak/{number}/perbaiki", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def fix(
    request: Request, number: str, db: DbDep, settings: SettingsDep, blobs: BlobsDep
) -> HTMLResponse:
    """The applicant sends corrected fields and documents; the clock runs again."""
    form, files = await _read_form(request, settings.max_upload_kb * 1024)
    pin = str(form.get("pin") or "")
    data = {k[5:]: v for k, v in form.items() if k.startswith("data.") and v != ""}

    try:
        await run_in_threadpool(
            lambda: intake.resubmit_application(
                db,
                tracking_number=number,
                pin=pin,
                data=data,
                files=files,
                blobs=blobs,
                secret=settings.secret_key,
            )
        )
    except ValidationFailedError as exc:
        return await _track_page(
            request,
            db,
            settings.secret_key,
            number,
            pin,
            errors=_errors(exc, lang(request)),
            status=422,
            returned=True,
        )
    return await _track_page(request, db, settings.secret_key, number, pin, resubmitted=True)


@router.post("/lacak/{number}/keluaran/{output_id}", openapi_extra=PUBLIC)
async def download_output(
    request: Request,
    number: str,
    output_id: str,
    db: DbDep,
    settings: SettingsDep,
    issuer: IssuerDep,
) -> Response:
    """The PDF of a document issued on the application, for the applicant with the PIN."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        pin = str(form.get("pin") or "").strip()[:12]
    name, content = await run_in_threadpool(
        outputs.output_pdf_for_applicant,
        db,
        issuer,
        number,
        output_id[:40],
        pin,
        settings.secret_key,
    )
    return pdf_response(content, name)


@router.get("/cek/nik", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def check_nik(request: Request) -> HTMLResponse:
    """The NIK checked as it is typed (an htmx fragment); submission checks it again."""
    value = request.query_params.get("applicant.nik", "")
    language = lang(request)
    if not value.strip():
        return HTMLResponse("")
    try:
        nik = parse_nik(value)
    except InvalidNikError as exc:
        return HTMLResponse(f'<span class="field-error">{escape(exc.text(language))}</span>')
    sex = translate("nik.female" if nik.female else "nik.male", language)
    text = translate("nik.ok", language, province=nik.province_name, sex=sex)
    return HTMLResponse(f'<span class="hint">{escape(text)}</span>')
