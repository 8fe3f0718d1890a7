"""What a complaint looks like to its audiences: the public, its reporter, or an officer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from layan.complaints import rules
from layan.complaints.models import Complaint
from layan.core.errors import Text


@dataclass(frozen=True)
class UpdateView:
    at: datetime
    kind: str
    text: str | None
    author: str  # agency, reporter or system
    agency: str | None
    unit: str | None
    role: str | None
    target: str | None
    rating: int | None
    officer: str | None = None  # the officer's name, for officers only


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    author: str
    uploaded_at: datetime


@dataclass(frozen=True)
class SimilarComplaint:
    tracking_number: str
    title: str
    status: str
    submitted_at: datetime
    distance_m: int | None


@dataclass
class ComplaintView:
    """A complaint as one audience may see it: the public, its reporter, or an officer."""

    tracking_number: str
    kind: str
    category: str
    category_name: Text
    status: str
    state: str  # open or closed
    privacy: str
    title: str
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    agency: str
    unit: str
    tier: str | None
    submitted_at: datetime
    updated_at: datetime
    deadlines: dict[str, datetime | None]
    current_deadline: tuple[str, datetime] | None
    rating: int | None
    forwarded_from: str | None
    duplicate_of: str | None
    archive_reason: str | None
    reporter: dict[str, Any] | None
    updates: list[UpdateView]
    overdue: bool = False  # the current deadline has passed
    attachments: list[AttachmentView] = field(default_factory=list)
    application_number: str | None = None
    flags: list[dict[str, str]] = field(default_factory=list)
    similar: list[SimilarComplaint] = field(default_factory=list)
    actions: tuple[str, ...] = ()
    escalated_to_me: bool = False
    breaches: dict[str, datetime | None] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)


def headline(complaint: Complaint) -> str:
    """The title, or the start of the description when the reporter gave none."""
    if complaint.title:
        return complaint.title
    text = " ".join(complaint.description.split())
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


def current_deadline(c: Complaint) -> tuple[str, datetime] | None:
    return rules.current_deadline(
        c.status,
        verify=c.verify_due_at,
        follow_up=c.follow_up_due_at,
        followed_up=c.followed_up_at is not None,
        resolution=c.resolution_due_at,
        appeal=c.appeal_due_at,
    )
