"""Tables of complaints: the complaint, its updates (answers) and its attached files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from layan.core.db import Base, JSONData, UTCDateTime


class Complaint(Base):
    """A report (pengaduan, aspirasi or request for information) and where it stands.

    Every deadline is recorded when it is set, so a later calendar change never moves it;
    each stage's breach is marked once by the sweep. The reporter's identity is optional
    and may be redacted by the reporter at any time (the row keeps `redacted_at`).
    """

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_agency_status", "agency_code", "status"),
        Index("ix_complaints_category_status", "category", "status"),
        Index("ix_complaints_point", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(12))
    # The agency now responsible (its handlers verify) and the unit that answers for it.
    agency_code: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(82))
    status: Mapped[str] = mapped_column(String(20), index=True)
    privacy: Mapped[str] = mapped_column(String(12))
    tier: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(String(4000))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    address_key: Mapped[str | None] = mapped_column(String(300), index=True)
    application_number: Mapped[str | None] = mapped_column(String(20))
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_nik: Mapped[str | None] = mapped_column(String(16))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Things an officer should know (filed late, linked application of another agency).
    flags: Mapped[list[dict[str, str]]] = mapped_column(JSONData, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verify_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While the reporter is asked for more the verification clock stops, keeping this.
    seconds_left: Mapped[float | None] = mapped_column(Float)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The reporter's own deadline: to give what was asked, or to respond to a resolution.
    reporter_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_kind: Mapped[str | None] = mapped_column(String(12))  # "rating" or "deadline"
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reporter_appeals: Mapped[int] = mapped_column(SmallInteger, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verify_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    forwarded_from: Mapped[str | None] = mapped_column(String(40))
    archive_reason: Mapped[str | None] = mapped_column(String(20))
    duplicate_of: Mapped[str | None] = mapped_column(String(20))
    updates: Mapped[list[ComplaintUpdate]] = relationship(
        back_populates="complaint", order_by="ComplaintUpdate.id"
    )
    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        back_populates="complaint", order_by="ComplaintAttachment.id"
    )


class ComplaintUpdate(Base):
    """One answer or step on a complaint: a question, a follow-up, a resolution, a response.

    `officer_id`, `role`, `agency_code` and `unit_code` say who decided; `target` where a
    forwarded complaint went. Updates with `public` set are shown with a public complaint.
    """

    __tablename__ = "complaint_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str | None] = mapped_column(String(4000))
    author: Mapped[str] = mapped_column(String(10))  # agency, reporter or system
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    role: Mapped[str | None] = mapped_column(String(30))
    agency_code: Mapped[str | None] = mapped_column(String(40))
    unit_code: Mapped[str | None] = mapped_column(String(82))
    target: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    complaint: Mapped[Complaint] = relationship(back_populates="updates")


class ComplaintAttachment(Base):
    """A photo or PDF by its digest in the blob store, from the reporter or as proof."""

    __tablename__ = "complaint_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_updates.id"))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(10))  # reporter or agency
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    complaint: Mapped[Complaint] = relationship(back_populates="attachments")
