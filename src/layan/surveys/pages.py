"""The survey pages: after an application ends (PIN-proved), and a unit's walk-in link.

Both work without JavaScript: the nine questions are radio groups, each answer labelled,
each element a fieldset with its legend. A score of 1 on any element makes the thank-you
page offer the complaint form of the service.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from layan.core.errors import (
    InvalidStateError,
    NotFoundError,
    TooManyRequestsError,
    ValidationFailedError,
)
from layan.surveys import queries, rules, service
from layan.web.deps import DbDep, SettingsDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import pick, render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
FIELDS = (*rules.ELEMENT_KEYS, *rules.PROFILE_CHOICES, "suggestion")


def anchor(field: str) -> str:
    """The id of the input a field error points at (the first answer of an element)."""
    if field in rules.ELEMENT_KEYS:
        return f"skm-{field}-1"
    return field if field == "pin" else f"skm-{field}"


def _label(field: str, language: str) -> str:
    """What the summary calls a field: the element's name, or the profile field's label."""
    element = next((e for e in rules.ELEMENTS if e.key == field), None)
    if element is not None:
        return pick(element.name, language)
    if field in rules.PROFILE_CHOICES:
        return translate(f"survey.profile.{field}", language)
    if field in ("suggestion", "service"):
        return translate(f"survey.{field}", language)
    return field


def _errors(exc: ValidationFailedError, language: str) -> list[dict[str, str]]:
    """Each problem for the page: `message` in the summary at the top, `inline` beside it."""
    return [
        {
            "field": e.field,
            "anchor": anchor(e.field),
            "message": f"{_label(e.field, language)}: {e.text(language)}",
            "inline": e.text(language),
        }
        for e in exc.errors
    ]


async def _answers(request: Request, *extra: str) -> dict[str, str]:
    """The posted answers (and `extra` fields), after the anti-forgery check."""
    async with request.form(max_fields=40, max_part_size=64 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        return {k: str(form.get(k) or "") for k in (*FIELDS, *extra)}


def _thanks(
    request: Request, receipt: service.SurveyReceipt, back: str, back_label: str
) -> HTMLResponse:
    language = lang(request)
    names = {e.key: pick(e.name, language) for e in rules.ELEMENTS}
    return render(
        request,
        "surveys/thanks.html",
        {
            "receipt": receipt,
            "low": [names[key] for key in receipt.low_scores],
            "back": back,
            "back_label": back_label,
        },
        201,
    )


# --- at the end of an application --------------------------------------------------


def _application(db: Any, number: str) -> queries.ApplicationSurvey:
    with db.unit_of_work(readonly=True) as uow:
        return queries.application_survey(uow, number)


def _application_page(
    request: Request,
    survey: queries.ApplicationSurvey,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    pin: str = "",
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "surveys/application.html",
        {
            "s": survey,
            "values": values or {},
            "errors": errors,
            "error_for": {e["field"]: e.get("inline", e["message"]) for e in errors},
            "pin": pin,
        },
        status,
    )


@router.get("/lacak/{number}/survei", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def application_form(request: Request, number: str, db: DbDep) -> HTMLResponse:
    """The questionnaire of an ended application; the PIN proves the respondent."""
    survey = await run_in_threadpool(_application, db, number)
    return _application_page(request, survey)


@router.post("/lacak/{number}/survei", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def application_answer(
    request: Request, number: str, db: DbDep, settings: SettingsDep
) -> HTMLResponse:
    """Record the answers; the mistakes, a wrong PIN or a case already answered are shown."""
    values = await _answers(request, "pin")
    pin = values.pop("pin").strip()
    language = lang(request)
    try:
        receipt = await run_in_threadpool(
            lambda: service.answer_for_application(
                db,
                tracking_number=number,
                pin=pin,
                secret=settings.secret_key,
                raw={k: v for k, v in values.items() if v.strip()},
            )
        )
    except NotFoundError:
        survey = await run_in_threadpool(_application, db, number)
        message = translate("track.not_found", language)
        errors = [{"field": "pin", "anchor": "pin", "message": message}]
        return _application_page(request, survey, values=values, errors=errors, status=404)
    except ValidationFailedError as exc:
        survey = await run_in_threadpool(_application, db, number)
        return _application_page(
            request, survey, values=values, errors=_errors(exc, language), pin=pin, status=422
        )
    except InvalidStateError:
        survey = await run_in_threadpool(_application, db, number)
        return _application_page(request, survey, status=409)
    return _thanks(request, receipt, f"/lacak/{number}", translate("survey.back", language))


# --- walk-in, through a unit's survey link -----------------------------------------


def _unit(db: Any, code: str) -> queries.UnitSurvey:
    with db.unit_of_work(readonly=True) as uow:
        return queries.unit_survey(uow, code)


def _walk_in_page(
    request: Request,
    unit: queries.UnitSurvey,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "surveys/walk_in.html",
        {
            "u": unit,
            "values": values or {},
            "errors": errors,
            "error_for": {e["field"]: e.get("inline", e["message"]) for e in errors},
        },
        status,
    )


@router.get("/survei/unit/{code}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def walk_in_form(request: Request, code: str, db: DbDep) -> HTMLResponse:
    """A unit's questionnaire for the people it served at the counter (its QR code link)."""
    unit = await run_in_threadpool(_unit, db, code)
    return _walk_in_page(request, unit)


@router.post("/survei/unit/{code}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def walk_in_answer(
    request: Request, code: str, db: DbDep, settings: SettingsDep
) -> HTMLResponse:
    """Record a walk-in questionnaire; too many from one device in an hour are refused."""
    values = await _answers(request, "service")
    unit = await run_in_threadpool(_unit, db, code)
    language = lang(request)
    try:
        receipt = await run_in_threadpool(
            lambda: service.answer_walk_in(
                db,
                unit_code=unit.unit,
                raw={k: v for k, v in values.items() if v.strip()},
                address=request.client.host if request.client else "",
                secret=settings.secret_key,
            )
        )
    except ValidationFailedError as exc:
        errors = _errors(exc, language)
        return _walk_in_page(request, unit, values=values, errors=errors, status=422)
    except TooManyRequestsError as exc:
        errors = [{"field": "form", "anchor": "skm-form", "message": exc.text(language)}]
        return _walk_in_page(request, unit, values=values, errors=errors, status=429)
    return _thanks(request, receipt, "/", translate("survey.thanks.home", language))
