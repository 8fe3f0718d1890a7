"""The API's shapes for complaints.

Lengths here only guard the server against huge bodies; the domain's own checks
(`checks.py`) give each field its precise limit and message.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_GUARD = 20_000


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = None
    lon: float | None = None
    address: str | None = Field(default=None, max_length=_GUARD)


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=1000)
    nik: str | None = Field(default=None, max_length=100)


class ComplaintIn(BaseModel):
    """The `complaint` part of a submission (photos and documents come as file parts)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="pengaduan", max_length=40)
    category: str = Field(max_length=100)
    title: str | None = Field(default=None, max_length=_GUARD)
    description: str = Field(max_length=_GUARD)
    location: LocationIn | None = None
    application_number: str | None = Field(default=None, max_length=100)
    privacy: str = Field(default="public", max_length=40)
    reporter: ReporterIn | None = None


class InformationIn(BaseModel):
    """The reporter's answer to a verifier's question (files may come as file parts)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=_GUARD)


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int
    comment: str | None = Field(default=None, max_length=_GUARD)


class ReporterUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reporter: ReporterIn | None = None
    privacy: str | None = Field(default=None, max_length=40)


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: str | None = Field(default=None, max_length=40)
    privacy: str | None = Field(default=None, max_length=40)
    unit: str | None = Field(default=None, max_length=100)


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=_GUARD)


class ForwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=_GUARD)
    to_unit: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=100)
    to_external: str | None = Field(default=None, max_length=1000)


class ArchiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: str = Field(max_length=40)
    reason: str = Field(max_length=_GUARD)
    duplicate_of: str | None = Field(default=None, max_length=100)


class DispositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(max_length=100)


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=_GUARD)


class ResolutionIn(BaseModel):
    """The `resolution` part: the proof in words (photos or documents as file parts)."""

    model_config = ConfigDict(extra="forbid")

    proof: str = Field(max_length=_GUARD)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=20)
    reason: str = Field(max_length=_GUARD)


class StatusOut(BaseModel):
    tracking_number: str
    status: str
    state: str
