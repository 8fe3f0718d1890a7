"""Reads of the Open311 face: services, service requests and their updates, API keys.

Complaints are read only through `complaints.queries`, which decides privacy once for
every face: a confidential complaint is never a public service request, and no
reporter is named here at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.complaints import queries as complaints
from layan.complaints import rules as complaint_rules
from layan.complaints.categories import Category
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import Event
from layan.open311 import rules


def _agencies(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    """Every agency's name and time zone by code."""
    return {a.code: (a.name, a.tz) for a in catalogue.list_agencies(uow)}


# --- services -----------------------------------------------------------------------------


def service_json(category: Category, agencies: dict[str, tuple[str, str]], language: str) -> dict:  # type: ignore[type-arg]
    return {
        "service_code": category.code,
        "service_name": category.name(language),
        "description": category.description(language),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(
            dict.fromkeys(w.lower() for w in category.name(language).replace(",", " ").split())
        ),
        "group": agencies.get(category.agency, (category.agency, ""))[0],
    }


def list_services(uow: UnitOfWork, language: str) -> list[dict[str, Any]]:
    """Every complaint category as an Open311 service, grouped by the agency answering it."""
    agencies = _agencies(uow)
    return [service_json(c, agencies, language) for c in complaints.list_categories()]


def service_definition(code: str, language: str) -> dict[str, Any]:
    """The attributes a client asks for a service; NotFound for an unknown service code."""
    if complaint_rules.find_category(code) is None:
        raise unknown_service(code)
    return {
        "service_code": code,
        "attributes": [a.as_dict(i, language) for i, a in enumerate(rules.ATTRIBUTES, start=1)],
    }


def unknown_service(code: str) -> NotFoundError:
    return NotFoundError(
        Text(f"service_code {code} tidak dikenal", f"Unknown service_code {code}"),
        "service.not_found",
    )


# --- service requests -------------------------------------------------------------------


def _latest_answer(view: complaints.ComplaintView) -> str | None:
    answers = [u.text for u in view.updates if u.author == "agency" and u.text]
    return answers[-1] if answers else None


def request_json(
    view: complaints.ComplaintView, agencies: dict[str, tuple[str, str]], language: str
) -> dict[str, Any]:
    """A complaint as an Open311 service request, with times in its agency's zone."""
    name, tz = agencies.get(view.agency, (view.agency, rules.DEFAULT_ZONE))
    pending = view.current_deadline
    return {
        "service_request_id": view.tracking_number,
        "status": view.state,
        "status_notes": _latest_answer(view),
        "service_name": view.category_name(language),
        "service_code": view.category,
        "description": view.description,
        "agency_responsible": name,
        "service_notice": (
            rules.deadline_notice(pending[0], pending[1], tz, language) if pending else None
        ),
        "requested_datetime": rules.w3c(view.submitted_at, tz),
        "updated_datetime": rules.w3c(view.updated_at, tz),
        "expected_datetime": rules.w3c(pending[1], tz) if pending else None,
        "address": view.address,
        "address_id": None,
        "zipcode": None,
        "lat": view.lat,
        "long": view.lon,
        "media_url": None,
    }


def get_request(uow: UnitOfWork, number: str, language: str) -> dict[str, Any]:
    """One public service request; NotFound for a confidential or unknown one alike."""
    return request_json(complaints.public_complaint(uow, number), _agencies(uow), language)


def requests_by_id(uow: UnitOfWork, numbers: list[str], language: str) -> list[dict[str, Any]]:
    """The public requests among `numbers`, in the order asked; the others are left out."""
    asked = numbers[: rules.MAX_IDS]
    views = complaints.public_complaints(uow, asked)
    agencies = _agencies(uow)
    return [request_json(views[n], agencies, language) for n in asked if n in views]


@dataclass(frozen=True)
class RequestFilter:
    service_codes: list[str]
    state: str | None
    start: datetime
    end: datetime
    page: int = 1
    page_size: int = rules.PAGE_SIZE


def list_requests(uow: UnitOfWork, chosen: RequestFilter, language: str) -> list[dict[str, Any]]:
    """Public requests submitted in the window, newest first, a page at a time."""
    size = max(1, min(chosen.page_size, rules.MAX_PAGE_SIZE))
    offset = (max(1, chosen.page) - 1) * size
    numbers: list[tuple[datetime, str]] = []
    for code in chosen.service_codes or [None]:  # type: ignore[list-item]
        page = complaints.list_public_complaints(
            uow,
            category=code,
            state=chosen.state,
            since=chosen.start,
            until=chosen.end + timedelta(microseconds=1),  # end_date is included
            limit=offset + size,
            offset=0,
        )
        numbers += [(c.submitted_at, c.tracking_number) for c in page.items]
    numbers.sort(reverse=True)
    return requests_by_id(uow, [n for _, n in numbers[offset : offset + size]], language)


def request_updates(
    uow: UnitOfWork, start: datetime, end: datetime, language: str
) -> list[dict[str, Any]]:
    """The public steps taken on public requests in the window (the updates extension).

    The event log names the complaints that moved in the window; each one's public
    updates then come through `complaints.queries`, so privacy is decided there.
    """
    moved = uow.session.execute(
        select(Event.case_id)
        .where(Event.case_type == "complaint", Event.timestamp >= start, Event.timestamp <= end)
        .group_by(Event.case_id)
        .order_by(Event.case_id)
        .limit(1000)
    ).scalars()
    moved = list(moved)
    views = complaints.public_complaints(uow, moved)
    agencies = _agencies(uow)
    found = []
    for number in moved:
        view = views.get(number)
        if view is None:
            continue
        name, tz = agencies.get(view.agency, (view.agency, rules.DEFAULT_ZONE))
        for position, update in enumerate(view.updates, start=1):
            if update.kind not in rules.UPDATE_STATUS or not start <= update.at <= end:
                continue
            label = rules.UPDATE_DESCRIPTIONS[update.kind](language)
            found.append(
                {
                    "update_id": rules.update_id(view.tracking_number, position),
                    "service_request_id": view.tracking_number,
                    "status": rules.UPDATE_STATUS[update.kind],
                    "updated_datetime": rules.w3c(update.at, tz),
                    "description": f"{label}: {update.text}" if update.text else label,
                    "media_url": None,
                    "_at": update.at,
                }
            )
    found.sort(key=lambda u: u.pop("_at"))
    return found
