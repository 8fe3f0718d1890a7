"""The outbox's JSON face: a citizen's messages (with the PIN) and their choice of
channels; an agency admin's webhooks and their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from layan.applications import messages as choices
from layan.applications import queries as applications
from layan.notify import service
from layan.web.deps import DbDep, DbId, OfficerDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["messages"])
PUBLIC = {"x-permission": "public"}
ADMIN = {"x-permission": "officer"}  # an agency admin: checked by the service


def _messages(db: Any, number: str, pin: str, secret: str) -> list[dict[str, Any]]:
    with applications.pin_guard(db, number), db.unit_of_work(readonly=True) as uow:
        app = applications.application_by_pin(uow, number, pin, secret)
        return [
            {
                "channel": m.channel,
                "event": m.event,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "test": m.test,
            }
            for m in service.messages_of(uow, "application", app.tracking_number)
        ]


@router.get("/applications/{tracking_number}/messages", openapi_extra=PUBLIC)
async def read_messages(
    tracking_number: str,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> list[dict[str, Any]]:
    """Every message sent (or being sent) about the application, oldest first.

    Each: `channel` (email, sms, whatsapp), `event` (submitted, returned, resumed,
    decided, output_issued, deadline_missed, survey_invitation), `status` (created,
    sending, delivered, temporary_failure, permanent_failure), `created_at`, `sent_at`,
    and `test` (recorded on a test installation, never sent).
    """
    return await run_in_threadpool(
        _messages, db, tracking_number, x_tracking_pin, settings.secret_key
    )


class ChannelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[str] = Field(max_length=3)


@router.put("/applications/{tracking_number}/channels", openapi_extra=PUBLIC)
async def choose_channels(
    tracking_number: str,
    body: ChannelsIn,
    db: DbDep,
    settings: SettingsDep,
    x_tracking_pin: Annotated[str, Header(max_length=12)],
) -> dict[str, list[str]]:
    """Choose where messages about the application go: any of "email", "sms",
    "whatsapp"; an empty list stops them."""
    chosen = await run_in_threadpool(
        choices.choose_channels,
        db,
        tracking_number,
        x_tracking_pin,
        settings.secret_key,
        body.channels,
    )
    return {"channels": list(chosen)}


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, max_length=20)
    agency: str | None = Field(default=None, max_length=40)


@router.post("/webhooks", status_code=201, openapi_extra=ADMIN)
async def add_webhook(body: WebhookIn, db: DbDep, principal: OfficerDep) -> dict[str, Any]:
    """Tell an agency system of the agency's events. Each delivery is a POST of JSON
    signed in `X-Layan-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`
    with the `secret` returned here once; refuse a signature older than five minutes.
    No `event_types` means every kind."""
    hook, secret = await run_in_threadpool(
        service.add_webhook, db, principal, body.agency, body.url, body.event_types
    )
    return {
        "id": hook.id,
        "agency": hook.agency,
        "url": hook.url,
        "event_types": hook.event_types,
        "secret": secret,
    }


def _hook_json(hook: Any) -> dict[str, Any]:
    return {
        "id": hook.id,
        "agency": hook.agency,
        "url": hook.url,
        "event_types": hook.event_types,
        "active": hook.active,
    }


def _hooks(db: Any, principal: Any, agency: str | None) -> list[dict[str, Any]]:
    with db.unit_of_work(readonly=True) as uow:
        return [_hook_json(h) for h in service.list_webhooks(uow, principal, agency)]


@router.get("/webhooks", openapi_extra=ADMIN)
async def list_webhooks(
    db: DbDep, principal: OfficerDep, agency: str | None = Query(None, max_length=40)
) -> list[dict[str, Any]]:
    """The agency's webhooks (without their secrets)."""
    return await run_in_threadpool(_hooks, db, principal, agency)


class WebhookSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


@router.patch("/webhooks/{webhook_id}", openapi_extra=ADMIN)
async def switch_webhook(
    webhook_id: DbId, body: WebhookSwitch, db: DbDep, principal: OfficerDep
) -> dict[str, Any]:
    """Switch a webhook off (`{"active": false}`: nothing more is sent to it) or on."""
    hook = await run_in_threadpool(service.switch_webhook, db, principal, webhook_id, body.active)
    return _hook_json(hook)


def _deliveries(db: Any, principal: Any, agency: str | None) -> list[dict[str, Any]]:
    with db.unit_of_work(readonly=True) as uow:
        return [
            {
                "webhook": m.webhook_id,
                "event": m.kind,
                "number": m.case_number,
                "status": m.status,
                "attempts": m.attempts,
                "answer": m.answer,
                "error": m.last_error,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in service.webhook_deliveries(uow, principal, agency)
        ]


@router.get("/webhooks/deliveries", openapi_extra=ADMIN)
async def webhook_deliveries(
    db: DbDep, principal: OfficerDep, agency: str | None = Query(None, max_length=40)
) -> list[dict[str, Any]]:
    """The newest deliveries to the agency's webhooks (the delivery log)."""
    return await run_in_threadpool(_deliveries, db, principal, agency)
