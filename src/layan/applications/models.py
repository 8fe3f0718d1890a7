"""Tables of applications: the application, its documents and its tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from layan.core.db import Base, JSONData, UTCDateTime


class Application(Base):
    """A citizen's application, pinned to the standard version it was made under."""

    __tablename__ = "applications"
    __table_args__ = (
        # What the SLA sweep reads: running applications by deadline, not yet marked late.
        Index(
            "ix_applications_late",
            "status",
            "due_at",
            sqlite_where=text("breached_at IS NULL"),
            postgresql_where=text("breached_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_versions.id"))
    service_code: Mapped[str] = mapped_column(String(63), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    applicant_nik: Mapped[str] = mapped_column(String(16), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(String(20))
    applicant_email: Mapped[str] = mapped_column(String(254))
    data: Mapped[dict[str, Any]] = mapped_column(JSONData)
    # Things an officer should look at (e.g. the NIK's birth date differs from the stated
    # one): never a reason to refuse, since a NIK is not reissued to fix such details.
    flags: Mapped[list[dict[str, str]]] = mapped_column(JSONData, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While returned to the applicant the clock stops: the working time left is kept
    # here and a new deadline is set from it on resubmission.
    seconds_left: Mapped[float | None] = mapped_column(Float)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The applicant's choice of channels for messages (None: email), the language they
    # applied in, and when they asked for no more messages.
    channels: Mapped[list[str] | None] = mapped_column(JSONData)
    language: Mapped[str | None] = mapped_column(String(2))
    messages_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    documents: Mapped[list[Document]] = relationship(
        back_populates="application", order_by="Document.id"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="application", lazy="selectin", order_by="Task.id"
    )


class Document(Base):
    """A file the applicant gave for one requirement; a correction adds a newer one."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    slot: Mapped[str] = mapped_column(String(63))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    application: Mapped[Application] = relationship(back_populates="documents")


class Task(Base):
    """One step of the procedure in the queue of the unit that owns it."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_queue", "unit_id", "status", "due_at"),
        # What the SLA sweep reads: open tasks by deadline, not yet marked late.
        Index(
            "ix_tasks_late",
            "status",
            "due_at",
            sqlite_where=text("breached_at IS NULL"),
            postgresql_where=text("breached_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    step_code: Mapped[str] = mapped_column(String(63))
    stage: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_code: Mapped[str] = mapped_column(String(82))
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seconds_left: Mapped[float | None] = mapped_column(Float)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(2000))
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    application: Mapped[Application] = relationship(back_populates="tasks")


class ApplicationDraft(Base):
    """An application kept whole while a registry it needs could not answer or held no
    record: not yet received, so no clock runs and no queue holds it.

    The applicant completes it with the tracking number and PIN (a retried lookup, or an
    upload instead); it then becomes the application of the same number, and this row
    goes. `files` are the documents already given, by slot: [filename, type, digest];
    `issued` the issued outputs named for once-only requirements; `pending` what is
    waiting: [{"requirement", "registry", "problem"}].
    """

    __tablename__ = "application_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_versions.id"))
    service_code: Mapped[str] = mapped_column(String(63))
    agency_code: Mapped[str] = mapped_column(String(40))
    applicant_nik: Mapped[str] = mapped_column(String(16), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(String(20))
    applicant_email: Mapped[str] = mapped_column(String(254))
    data: Mapped[dict[str, Any]] = mapped_column(JSONData)
    files: Mapped[dict[str, list[Any]]] = mapped_column(JSONData, default=dict)
    issued: Mapped[dict[str, str]] = mapped_column(JSONData, default=dict)
    pending: Mapped[list[dict[str, str]]] = mapped_column(JSONData, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
