"""The API's shapes for applications and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str = Field(max_length=32)
    name: str = Field(max_length=400)
    phone: str = Field(max_length=40)
    email: str = Field(max_length=254)
    # Where messages about the application go: any of "email", "sms", "whatsapp";
    # left out: email; empty: no messages.
    channels: list[str] | None = Field(default=None, max_length=3)


class ApplicationIn(BaseModel):
    """The `application` part of a submission."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(max_length=63)
    applicant: ApplicantIn
    data: dict[str, Any] = Field(default_factory=dict)
    # Once-only: per requirement, the id of a document this platform issued to the
    # applicant (printed under its QR code), instead of an upload.
    issued_documents: dict[str, str] = Field(default_factory=dict, max_length=30)


class ResubmissionIn(BaseModel):
    """The `resubmission` part: corrected fields (documents come as file parts)."""

    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict)


class SubmissionIn(BaseModel):
    """The optional `submission` part that completes a draft: issued documents' ids."""

    model_config = ConfigDict(extra="forbid")

    issued_documents: dict[str, str] = Field(default_factory=dict, max_length=30)


class PendingOut(BaseModel):
    requirement: str
    registry: str
    problem: Literal["not_found", "unavailable"]
    message: str


class ReceiptOut(BaseModel):
    tracking_number: str
    pin: str
    status: str
    due_at: datetime | None
    pending: list[PendingOut] = Field(default_factory=list)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["approve", "return", "reject"]
    reason: str | None = Field(default=None, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=500)


class DecisionOut(BaseModel):
    application_status: str
    next_tasks: list[int]
    outputs: list[str] = Field(default_factory=list)


class TaskOut(BaseModel):
    id: int
    tracking_number: str
    service_code: str
    step: str
    unit: str
    status: str
    due_at: datetime
    overdue: bool
    claimed_by_me: bool
