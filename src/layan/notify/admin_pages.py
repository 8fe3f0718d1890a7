"""The agency admin's pages of messages: the wording of each kind (edited, previewed
before saving, or put back to the default) and the newest messages with their status."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.notify import rules, templates
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
PAGE = "/petugas/admin/pesan"


def _overview(db: Database, officer: Principal, agency: str | None) -> Any:
    with db.unit_of_work(readonly=True) as uow:
        agency, every = templates.wordings(uow, officer, agency)
        return agency, every, templates.recent_messages(uow, officer, agency)


@router.get(PAGE, response_class=HTMLResponse, openapi_extra=OFFICER)
async def messages_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = ""
) -> HTMLResponse:
    """Every kind of message with the agency's wording, and the newest messages sent."""
    agency, every, recent = await run_in_threadpool(_overview, db, officer, instansi[:40] or None)
    return render(
        request,
        "notify/admin_messages.html",
        {
            "agency": agency,
            "wordings": every,
            "recent": recent,
            "masked": templates.masked,
            "saved": request.query_params.get("pesan") == "tersimpan",
        },
    )


def _one(db: Database, officer: Principal, agency: str | None, kind: str, language: str) -> Any:
    with db.unit_of_work(readonly=True) as uow:
        return templates.wording(uow, officer, agency, kind[:40], language[:2])


async def _edit_page(
    request: Request,
    db: Database,
    officer: Principal,
    agency: str | None,
    kind: str,
    language: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    agency, current = await run_in_threadpool(_one, db, officer, agency, kind, language)
    subject = current.subject if subject is None else subject
    body = current.body if body is None else body
    shown = None
    if not errors:
        try:
            shown = templates.preview(subject, body)
        except ValidationFailedError as exc:
            errors = _errors(request, exc)
            status = 422
    return render(
        request,
        "notify/admin_template.html",
        {
            "agency": agency,
            "w": current,
            "subject": subject,
            "body": body,
            "shown": shown,
            "errors": errors or [],
            "placeholders": rules.PLACEHOLDERS,
        },
        status,
    )


def _errors(request: Request, exc: ValidationFailedError) -> list[dict[str, str]]:
    language = lang(request)
    return [
        {"field": e.field, "anchor": f"tpl-{e.field}", "message": e.text(language)}
        for e in exc.errors
    ]


@router.get(PAGE + "/{kind}/{language}", response_class=HTMLResponse, openapi_extra=OFFICER)
async def template_page(
    request: Request,
    kind: str,
    language: str,
    db: DbDep,
    officer: PageOfficerDep,
    instansi: str = "",
) -> HTMLResponse:
    """One kind's wording in one language, with its preview."""
    return await _edit_page(request, db, officer, instansi[:40] or None, kind, language)


@router.post(PAGE + "/{kind}/{language}", openapi_extra=OFFICER)
async def save_template(
    request: Request, kind: str, language: str, db: DbDep, officer: PageOfficerDep
) -> Response:
    """Preview (`aksi=pratinjau`), save (`simpan`) or put back the default (`bawaan`)."""
    async with request.form(max_fields=8) as form:
        check_csrf(request, form.get("csrf_token"))
        agency = str(form.get("instansi") or "")[:40] or None
        action = str(form.get("aksi") or "pratinjau")
        subject = str(form.get("subject") or "")[: templates.SUBJECT_MOST + 1]
        body = str(form.get("body") or "")[: templates.BODY_MOST + 1]
    if action == "pratinjau":
        return await _edit_page(
            request, db, officer, agency, kind, language, subject=subject, body=body
        )
    try:
        if action == "bawaan":
            saved = await run_in_threadpool(
                templates.reset_wording, db, officer, agency, kind[:40], language[:2]
            )
        else:
            saved = await run_in_threadpool(
                templates.save_wording, db, officer, agency, kind[:40], language[:2], subject, body
            )
    except ValidationFailedError as exc:
        return await _edit_page(
            request,
            db,
            officer,
            agency,
            kind,
            language,
            subject=subject,
            body=body,
            errors=_errors(request, exc),
            status=422,
        )
    query = urlencode({"instansi": saved, "pesan": "tersimpan"})
    return RedirectResponse(f"{PAGE}?{query}", status_code=303)
