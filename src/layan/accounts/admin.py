"""The agency admin pages: units and officers, the working calendar, importing standards.

Open to the agency admins of an agency (for that agency) and to platform admins (for any
agency). Who may act is decided in `accounts.queries`; the changes go through the
catalogue's services like those of the command line.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from layan.accounts import officers as officer_accounts
from layan.accounts import queries
from layan.accounts import service as account_service
from layan.catalogue import rules as standards
from layan.catalogue import service as catalogue_service
from layan.core.access import UNIT_ROLES, Principal
from layan.core.errors import (
    DomainError,
    FieldError,
    InvalidStateError,
    Text,
    ValidationFailedError,
)
from layan.open311 import keys as open311_keys
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import LOCALES, render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
MAX_STANDARD_BYTES = 256 * 1024
MAX_STANDARD_FILES = 20
_SWITCHED = {"nonaktif": "admin.officer_deactivated", "aktif": "admin.officer_activated"}


def _year(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def _view(
    db: Any, officer: Principal, agency: str | None, year: int | None
) -> tuple[queries.AgencyAdminView, list[open311_keys.KeyRow]]:
    """The admin page's view and the agency's Open311 keys, read in one transaction."""
    with db.unit_of_work(readonly=True) as uow:
        view = queries.agency_admin_view(uow, officer, agency, year)
        return view, open311_keys.list_keys(uow, view.agency)


def _page(
    request: Request,
    view: queries.AgencyAdminView,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    import_errors: list[str] | None = None,
    published: dict[str, int] | None = None,
    new_key: dict[str, str] | None = None,
    keys: list[open311_keys.KeyRow] | None = None,
    status: int = 200,
) -> HTMLResponse:
    language = lang(request)
    errors = errors or []
    return render(
        request,
        "admin/admin.html",
        {
            "a": view,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "values": values or {},
            "import_errors": import_errors or [],
            "published": published or {},
            "long_day": lambda d: format_date(d, "EEEE, d MMMM y", locale=LOCALES[language]),
            "saved": request.query_params.get("pesan") == "kalender",
            "officer_added": request.query_params.get("pesan") == "petugas",
            "officer_switched": _SWITCHED.get(request.query_params.get("pesan") or ""),
            "me": getattr(getattr(request.state, "officer", None), "officer_id", None),
            "unit_roles": UNIT_ROLES,
            "open311_keys": keys or [],
            "new_key": new_key,
            "key_revoked": request.query_params.get("pesan") == "kunci-dicabut",
        },
        status,
    )


@router.get("/petugas/admin", response_class=HTMLResponse, openapi_extra=OFFICER)
async def admin_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = "", tahun: str = ""
) -> HTMLResponse:
    """The agency's units and officers, its calendar for a year, and the standards import."""
    view, keys = await run_in_threadpool(_view, db, officer, instansi[:40] or None, _year(tahun))
    return _page(request, view, keys=keys)


def _agency(db: Any, officer: Principal, requested: str | None) -> str:
    with db.unit_of_work(readonly=True) as uow:
        return queries.agency_for_admin(uow, officer, requested)


@router.post("/petugas/admin/kalender", openapi_extra=OFFICER)
async def change_day(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Add or remove a holiday, cuti bersama or closure for the agency."""
    async with request.form(max_fields=10) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {
            k: str(form.get(k) or "").strip()[:200]
            for k in ("instansi", "tahun", "day", "kind", "action", "name")
        }
    agency = await run_in_threadpool(_agency, db, officer, values["instansi"] or None)
    language = lang(request)
    try:
        try:
            chosen = date.fromisoformat(values["day"])
        except ValueError:
            raise ValidationFailedError(
                Text("Perubahan kalender tidak sah", "Invalid calendar change"),
                "invalid",
                [
                    FieldError(
                        "day",
                        "day.invalid",
                        Text(
                            translate("admin.day_invalid", "id"),
                            translate("admin.day_invalid", "en"),
                        ),
                    )
                ],
            ) from None
        await run_in_threadpool(
            lambda: catalogue_service.change_calendar_day(
                db.unit_of_work(),
                day=chosen,
                kind=values["kind"],
                action=values["action"],
                name=values["name"],
                agency_code=agency,
                actor=queries.admin_actor(officer, agency),
            )
        )
    except ValidationFailedError as exc:
        errors = [
            {"field": e.field, "anchor": f"cal-{e.field}", "message": e.text(language)}
            for e in exc.errors
        ]
        view, keys = await run_in_threadpool(_view, db, officer, agency, _year(values["tahun"]))
        return _page(request, view, keys=keys, errors=errors, values=values, status=422)
    query = urlencode({"instansi": agency, "tahun": chosen.year, "pesan": "kalender"})
    return RedirectResponse(f"/petugas/admin?{query}#kalender", status_code=303)


@router.post("/petugas/admin/petugas", openapi_extra=OFFICER)
async def add_officer(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Add an officer with a role in one of the agency's units."""
    async with request.form(max_fields=10) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {
            k: str(form.get(k) or "")[:200]
            for k in ("instansi", "username", "name", "password", "role", "unit")
        }
    try:
        await run_in_threadpool(
            lambda: account_service.add_officer(
                db,
                officer,
                agency=values["instansi"],
                username=values["username"],
                name=values["name"],
                password=values["password"],
                role=values["role"],
                unit=values["unit"],
            )
        )
    except ValidationFailedError as exc:
        language = lang(request)
        errors = [
            {
                "field": f"officer.{e.field}",
                "anchor": f"officer-{e.field}",
                "message": e.text(language),
            }
            for e in exc.errors
        ]
        view, keys = await run_in_threadpool(_view, db, officer, values["instansi"] or None, None)
        values.pop("password")
        return _page(
            request,
            view,
            keys=keys,
            errors=errors,
            values={f"officer.{k}": v for k, v in values.items()},
            status=422,
        )
    query = urlencode({"instansi": values["instansi"], "pesan": "petugas"})
    return RedirectResponse(f"/petugas/admin?{query}#petugas", status_code=303)


@router.post("/petugas/admin/petugas/status", openapi_extra=OFFICER)
async def switch_officer(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Switch an officer of the agency off (their sign-ins end at once) or on again."""
    async with request.form(max_fields=6) as form:
        check_csrf(request, form.get("csrf_token"))
        agency = str(form.get("instansi") or "")[:40]
        target = str(form.get("officer_id") or "")[:12]
        active = form.get("active") == "1"
    if not target.isdigit():
        raise ValidationFailedError(
            Text("Petugas tidak dikenal", "Unknown officer"),
            "invalid",
            [
                FieldError(
                    "officer_id", "officer.invalid", Text("Pilih petugas", "Choose an officer")
                )
            ],
        )
    try:
        await run_in_threadpool(
            lambda: officer_accounts.set_active_as_admin(
                db, officer, agency=agency or None, officer_id=int(target), active=active
            )
        )
    except InvalidStateError as exc:
        message = exc.text(lang(request))
        view, keys = await run_in_threadpool(_view, db, officer, agency or None, None)
        errors = [{"field": "officer.status", "anchor": "daftar-petugas", "message": message}]
        return _page(request, view, keys=keys, errors=errors, status=409)
    query = urlencode({"instansi": agency, "pesan": "aktif" if active else "nonaktif"})
    return RedirectResponse(f"/petugas/admin?{query}#daftar-petugas", status_code=303)


async def _read_standard_files(
    form: Any, language: str
) -> tuple[list[tuple[str, bytes]], list[str]]:
    files: list[tuple[str, bytes]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for value in form.getlist("files"):
        if not isinstance(value, UploadFile) or not value.filename:
            continue
        name = Path(value.filename.replace("\\", "/")).name
        content = await value.read(MAX_STANDARD_BYTES + 1)
        if not name.lower().endswith((".yaml", ".yml")):
            problems.append(f"{name}: {translate('admin.not_yaml', language)}")
        elif len(content) > MAX_STANDARD_BYTES:
            problems.append(f"{name}: {translate('admin.too_large', language)}")
        elif name in seen:
            problems.append(f"{name}: {translate('admin.duplicate', language)}")
        else:
            seen.add(name)
            files.append((name, content))
    if not files and not problems:
        problems.append(translate("admin.no_files", language))
    return files, problems


def _import(
    db: Any, officer: Principal, agency: str, files: list[tuple[str, bytes]], language: str
) -> tuple[dict[str, int], list[str]]:
    """Publish the uploaded standards, or report every problem of every file."""
    with tempfile.TemporaryDirectory(prefix="layan-standards-") as tmp:
        folder = Path(tmp)
        for name, content in files:
            (folder / name).write_bytes(content)
        try:
            loaded = standards.load_standards(folder)
        except standards.StandardFilesError as exc:
            return {}, [str(_named(e)) for e in exc.errors]
        paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        outside = queries.standards_outside(
            officer, agency, [(p, standards.load_standard(p)) for p in paths]
        )
        if outside or not loaded:
            return {}, [str(e) for e in outside]
        try:
            versions = catalogue_service.import_standards(
                db.unit_of_work(), folder, queries.admin_actor(officer, agency)
            )
        except ValidationFailedError as exc:
            return {}, [f"{exc.text(language)}: {e.field}: {e.text(language)}" for e in exc.errors]
        except DomainError as exc:
            return {}, [exc.text(language)]
    return versions, []


def _named(error: standards.StandardFileError) -> standards.StandardFileError:
    """The error naming the uploaded file, not the temporary folder it was read from."""
    return standards.StandardFileError(Path(error.path).name, error.line, error.reason)


@router.post("/petugas/admin/standar", response_class=HTMLResponse, openapi_extra=OFFICER)
async def import_standards(request: Request, db: DbDep, officer: PageOfficerDep) -> HTMLResponse:
    """Import service standards from uploaded YAML files: all published, or none."""
    language = lang(request)
    async with request.form(
        max_files=MAX_STANDARD_FILES, max_fields=5, max_part_size=MAX_STANDARD_BYTES + 1024
    ) as form:
        check_csrf(request, form.get("csrf_token"))
        requested = str(form.get("instansi") or "")[:40] or None
        agency = await run_in_threadpool(_agency, db, officer, requested)
        files, problems = await _read_standard_files(form, language)
    published: dict[str, int] = {}
    if not problems:
        published, problems = await run_in_threadpool(_import, db, officer, agency, files, language)
    view, keys = await run_in_threadpool(_view, db, officer, agency, None)
    return _page(
        request,
        view,
        keys=keys,
        import_errors=problems,
        published=published,
        status=422 if problems else 200,
    )


@router.post("/petugas/admin/open311", response_class=HTMLResponse, openapi_extra=OFFICER)
async def create_open311_key(request: Request, db: DbDep, officer: PageOfficerDep) -> HTMLResponse:
    """Create an Open311 API key for a client of the agency; the page shows it only once."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        agency = str(form.get("instansi") or "")[:40]
        name = str(form.get("name") or "")[:200]
    errors: list[dict[str, str]] = []
    new_key = None
    try:
        key = await run_in_threadpool(open311_keys.create_key, db, officer, agency, name)
        new_key = {"name": " ".join(name.split()), "key": key}
    except ValidationFailedError as exc:
        errors = [
            {"field": "key.name", "anchor": "key-name", "message": e.text(lang(request))}
            for e in exc.errors
        ]
    view, keys = await run_in_threadpool(_view, db, officer, agency or None, None)
    return _page(
        request,
        view,
        errors=errors,
        values={"key.name": name} if errors else {},
        new_key=new_key,
        keys=keys,
        status=422 if errors else 200,
    )


@router.post("/petugas/admin/open311/{key_id}/cabut", openapi_extra=OFFICER)
async def revoke_open311_key(
    key_id: int, request: Request, db: DbDep, officer: PageOfficerDep
) -> Response:
    """Revoke an Open311 API key of the agency: it stops working at once."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        agency = str(form.get("instansi") or "")[:40]
    await run_in_threadpool(open311_keys.revoke_key, db, officer, agency, key_id)
    query = urlencode({"instansi": agency, "pesan": "kunci-dicabut"})
    return RedirectResponse(f"/petugas/admin?{query}#open311", status_code=303)
