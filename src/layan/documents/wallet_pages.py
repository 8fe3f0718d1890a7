"""The wallet's pages: sign in by a one-time code, see and download one's documents, share
one by a link that ends by itself; and the page a share link opens for its recipient."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.core.errors import AuthenticationError, TooManyRequestsError, ValidationFailedError
from layan.documents import queries, wallet
from layan.documents.issue import Issuer, pdf_bytes
from layan.web.deps import DbDep, DbId, IssuerDep, MailerDep, SettingsDep
from layan.web.errors import lang
from layan.web.files import pdf_response
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
HOLDER = {"x-permission": "wallet"}
COOKIE = wallet.COOKIE
ANCHORS = {"nik": "nik", "email": "email", "code": "code", "hours": "hours"}


def _errors(exc: ValidationFailedError, language: str) -> list[dict[str, str]]:
    return [
        {"field": e.field, "anchor": ANCHORS.get(e.field, "nik"), "message": e.text(language)}
        for e in exc.errors
    ]


def _sign_in_page(
    request: Request, values: dict[str, str], errors: list[dict[str, str]], status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "documents/wallet_sign_in.html",
        {
            "values": values,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
        },
        status,
    )


def _code_page(
    request: Request, nik: str, errors: list[dict[str, str]], *, kept: bool, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "documents/wallet_code.html",
        {
            "nik": nik,
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "kept_locally": kept,
        },
        status,
    )


def _contents(db: Any, token: str) -> dict[str, Any]:
    with db.unit_of_work(readonly=True) as uow:
        holder = wallet.holder_of(uow, token)
        return {
            "outputs": wallet.list_wallet(uow, holder),
            "shares": wallet.shares_of(uow, holder),
            "now": uow.now(),
        }


def _wallet_page(
    request: Request,
    contents: dict[str, Any],
    *,
    new_link: str | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "documents/wallet.html",
        {
            **contents,
            "new_link": new_link,
            "errors": errors or [],
            "hours": wallet.SHARE_HOURS,
            "stopped": request.query_params.get("pesan") == "dihentikan",
        },
        status,
    )


@router.get("/dompet", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def wallet_home(request: Request, db: DbDep) -> HTMLResponse:
    """The wallet when its session is open; otherwise the form to ask for a code."""
    token = request.cookies.get(COOKIE)
    if token:
        try:
            contents = await run_in_threadpool(_contents, db, token)
        except AuthenticationError:
            pass
        else:
            return _wallet_page(request, contents)
    return _sign_in_page(request, {}, [])


@router.post("/dompet/kode", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def ask_for_code(request: Request, db: DbDep, mailer: MailerDep) -> HTMLResponse:
    """Send the code (when the NIK and email match a document) and ask for it."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {k: str(form.get(k) or "").strip()[:254] for k in ("nik", "email")}
    language = lang(request)
    try:
        await run_in_threadpool(wallet.request_code, db, mailer, values["nik"], values["email"])
    except ValidationFailedError as exc:
        return _sign_in_page(request, values, _errors(exc, language), 422)
    except TooManyRequestsError as exc:
        errors = [{"field": "nik", "anchor": "nik", "message": exc.text(language)}]
        return _sign_in_page(request, values, errors, 429)
    nik = "".join(values["nik"].split())
    return _code_page(request, nik, [], kept=not mailer.delivers)


@router.post("/dompet/masuk", openapi_extra=PUBLIC)
async def enter(request: Request, db: DbDep, mailer: MailerDep) -> Response:
    """Open the wallet with the code; a wrong code shows the form again with the reason."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        nik = str(form.get("nik") or "").strip()[:32]
        code = str(form.get("code") or "").strip()[:12]
    language = lang(request)
    try:
        opened = await run_in_threadpool(wallet.sign_in, db, nik, code)
    except ValidationFailedError as exc:
        return _code_page(
            request, nik, _errors(exc, language), kept=not mailer.delivers, status=422
        )
    except (AuthenticationError, TooManyRequestsError) as exc:
        status = 429 if isinstance(exc, TooManyRequestsError) else 401
        errors = [{"field": "code", "anchor": "code", "message": exc.text(language)}]
        return _code_page(request, nik, errors, kept=not mailer.delivers, status=status)
    response = RedirectResponse("/dompet", status_code=303)
    response.set_cookie(
        COOKIE,
        opened.token,
        max_age=wallet.SESSION_MINUTES * 60,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/dompet/keluar", openapi_extra=HOLDER)
async def leave(request: Request, db: DbDep) -> Response:
    """Close the wallet: the session ends on the server too."""
    async with request.form(max_fields=3) as form:
        check_csrf(request, form.get("csrf_token"))
    await run_in_threadpool(wallet.sign_out, db, request.cookies.get(COOKIE))
    response = RedirectResponse("/dompet", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _held_pdf(db: Any, issuer: Issuer, token: str | None, output_id: str) -> tuple[str, bytes]:
    with db.unit_of_work(readonly=True) as uow:
        row = wallet.held_output(uow, wallet.holder_of(uow, token), output_id)
        found, number = row.id, row.number
    return number, pdf_bytes(db, issuer, found)


@router.get("/dompet/dokumen/{output_id}/pdf", openapi_extra=HOLDER)
async def download(request: Request, output_id: str, db: DbDep, issuer: IssuerDep) -> Response:
    """The PDF of one of the wallet's documents."""
    number, content = await run_in_threadpool(
        _held_pdf, db, issuer, request.cookies.get(COOKIE), output_id[:40]
    )
    return pdf_response(content, number)


@router.post(
    "/dompet/dokumen/{output_id}/bagikan", response_class=HTMLResponse, openapi_extra=HOLDER
)
async def share(request: Request, output_id: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """Make a link to a document; the page shows it once."""
    async with request.form(max_fields=4) as form:
        check_csrf(request, form.get("csrf_token"))
        hours = str(form.get("hours") or "")[:6]
    token = request.cookies.get(COOKIE)
    try:
        secret, _made = await run_in_threadpool(
            wallet.share_output, db, token, output_id[:40], hours
        )
    except ValidationFailedError as exc:
        contents = await run_in_threadpool(_contents, db, token)
        return _wallet_page(request, contents, errors=_errors(exc, lang(request)), status=422)
    contents = await run_in_threadpool(_contents, db, token)
    return _wallet_page(request, contents, new_link=f"{settings.site}/bagikan/{secret}")


@router.post("/dompet/tautan/{share_id}/hentikan", openapi_extra=HOLDER)
async def stop(request: Request, share_id: DbId, db: DbDep) -> Response:
    """Stop a link at once."""
    async with request.form(max_fields=3) as form:
        check_csrf(request, form.get("csrf_token"))
    await run_in_threadpool(wallet.stop_share, db, request.cookies.get(COOKIE), share_id)
    return RedirectResponse("/dompet?pesan=dihentikan#tautan", status_code=303)


def _opened(db: Any, secret: str) -> queries.Verification:
    row = wallet.open_share(db, secret)
    with db.unit_of_work(readonly=True) as uow:
        return queries.verify_output(uow, row.id)


@router.get("/bagikan/{secret}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def shared(request: Request, secret: str, db: DbDep) -> HTMLResponse:
    """What a share link opens: the document's verification and its PDF, while it works."""
    result = await run_in_threadpool(_opened, db, secret[:100])
    return render(request, "documents/shared.html", {"r": result, "secret": secret[:100]})


def _shared_pdf(db: Any, issuer: Issuer, secret: str) -> tuple[str, bytes]:
    row = wallet.open_share(db, secret)
    return row.number, pdf_bytes(db, issuer, row.id)


@router.get("/bagikan/{secret}/pdf", openapi_extra=PUBLIC)
async def shared_pdf(secret: str, db: DbDep, issuer: IssuerDep) -> Response:
    """The shared document's PDF, while the link works."""
    number, content = await run_in_threadpool(_shared_pdf, db, issuer, secret[:100])
    return pdf_response(content, number)
