"""The citizen's page that stops messages, reached from the foot of every email.

Opening the link only asks (mail scanners open links); the button stops the messages.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from layan.applications import messages as choices
from layan.web.deps import DbDep, SettingsDep
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}


@router.get("/pesan/berhenti", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def ask_to_stop(
    request: Request,
    nomor: str = Query(max_length=40),
    t: str = Query(max_length=64),
) -> HTMLResponse:
    """Ask before stopping every message about an application."""
    return render(request, "notify/stop.html", {"number": nomor, "token": t, "stopped": False})


@router.post("/pesan/berhenti", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def stop(request: Request, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """Stop every message about the application of the link."""
    async with request.form(max_fields=4) as form:
        check_csrf(request, form.get("csrf_token"))
        number, token = str(form.get("nomor") or ""), str(form.get("t") or "")
    await run_in_threadpool(choices.stop_messages, db, number, token, settings.secret_key)
    return render(request, "notify/stop.html", {"number": number, "token": token, "stopped": True})
