"""Complaints in a generated history, on the national lifecycle (SP4N-LAPOR!).

Some applicants complain after their case, more when it ran late: the agency's complaint
handler verifies (due in 3 working days) and disposes to the unit, which follows up (5)
and resolves within its tier's days; past a deadline the sweep marks the breach,
escalates and opens an appeal, and the unit resolves it during the appeal. The reporter
then accepts with a rating, or stays silent and the complaint closes after 10 days.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from layan.accounts import queries as account_queries
from layan.catalogue import queries as catalogue
from layan.complaints import rules
from layan.complaints.categories import BY_CODE
from layan.complaints.models import Complaint, ComplaintUpdate
from layan.core.calendar import WorkingCalendar
from layan.core.codes import ALPHABET, check_char
from layan.core.db import UnitOfWork
from layan.core.events import CITIZEN, SYSTEM, Actor
from layan.demo_history.engine import SWEEP, Case, Engine

BY_AGENCY = {
    "DISDUKCAPIL": "kependudukan",
    "DPMPTSP": "perizinan",
    "DINKES": "layanan-kesehatan",
    "POLRES": "skck",
    "PUPR": "tata-ruang",
    "BAPENDA": "retribusi",
}
TEXTS = {
    "description": "Permohonan saya berjalan lebih lama dari standar pelayanan.",
    "follow_up": "Berkas sedang ditelusuri oleh unit; kami menghubungi pemohon.",
    "resolution": "Permohonan telah diselesaikan dan pemohon telah diberi tahu.",
}


@dataclass
class Open:
    """A complaint while it is played: its row (as it will be written) and its updates."""

    row: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)


class ComplaintPlayer:
    def __init__(
        self,
        uow: UnitOfWork,
        engine: Engine,
        writer: Any,
        ids: Callable[[str], int],
        agency_calendar: Callable[[str], WorkingCalendar],
        rng: random.Random,
    ) -> None:
        self.engine, self.writer, self.ids, self.rng = engine, writer, ids, rng
        self.calendar = agency_calendar
        self.units = {c.unit: catalogue.get_unit(uow, c.unit) for c in BY_CODE.values()}
        staff = account_queries.officers_in_units(uow, [u.id for u in self.units.values()])
        self.officers = {
            code: [o.id for o in staff.get(unit.id, []) if o.active] or [None]
            for code, unit in self.units.items()
        }
        self.open: dict[str, Open] = {}

    def _due(self, agency: str, start: datetime, stage: str, tier: str | None = None) -> datetime:
        return rules.deadline(self.calendar(agency), start, stage, tier)

    def _later(self, now: datetime, median_days: float) -> datetime:
        days = median_days * math.exp(self.rng.gauss(0.0, 0.7))
        return now + timedelta(days=max(days, 0.05) * 1.4)  # working days to calendar days

    def submit(self, case: Case, now: datetime) -> None:
        category = BY_CODE[BY_AGENCY.get(case.agency, "perizinan")]
        unit = self.units[category.unit]
        body = "".join(self.rng.choice(ALPHABET) for _ in range(11))
        row = {
            "id": self.ids("complaint"),
            "tracking_number": body + check_char(body),
            "idempotency_key": None,
            "kind": rules.Kind.COMPLAINT,
            "category": category.code,
            "channel": "web",
            "agency_code": unit.agency.code,
            "unit_id": unit.id,
            "unit_code": category.unit,
            "status": rules.Status.SUBMITTED,
            "privacy": rules.Privacy.CONFIDENTIAL,
            "tier": None,
            "title": "Permohonan terlambat",
            "description": TEXTS["description"],
            "application_number": case.number,
            "reporter_name": case.applicant.name,
            "reporter_phone": case.applicant.phone,
            "reporter_email": case.applicant.email,
            "reporter_nik": case.applicant.nik,
            "flags": [],
            "submitted_at": now,
            "updated_at": now,
            "verify_due_at": self._due(unit.agency.code, now, "verification"),
            "reporter_appeals": 0,
        }
        done = Open(row)
        self.open[row["tracking_number"]] = done
        self._log(
            done,
            "submit",
            "complete",
            Actor(CITIZEN, "reporter", agency=row["agency_code"]),
            now,
            kind=row["kind"],
            category=category.code,
            channel="web",
            privacy=row["privacy"],
            attachments=0,
            located=False,
            linked_application=True,
            verify_due_at=row["verify_due_at"].isoformat(),
        )
        self.engine.at(self._later(now, 0.8), self._verify, done, category.tier)

    def _officer(self, done: Open, role: str) -> Actor:
        officer = self.rng.choice(self.officers[done.row["unit_code"]])
        resource = f"officer:{officer}" if officer else SYSTEM.resource
        return Actor(resource, role, done.row["unit_code"], done.row["agency_code"])

    def _verify(self, now: datetime, done: Open, tier: str) -> None:
        row, actor = done.row, self._officer(done, "complaint_handler")
        row.update(
            status=rules.Status.IN_PROGRESS,
            tier=tier,
            verified_at=now,
            disposed_at=now,
            follow_up_due_at=self._due(row["agency_code"], now, "follow_up"),
            resolution_due_at=self._due(row["agency_code"], now, "resolution", tier),
        )
        self._update(done, "verified", actor, now)
        self._log(
            done,
            "verify",
            "complete",
            actor,
            now,
            tier=tier,
            privacy=None,
            late=now > row["verify_due_at"],
            follow_up_due_at=row["follow_up_due_at"].isoformat(),
            resolution_due_at=row["resolution_due_at"].isoformat(),
        )
        self._update(done, "disposed", actor, now, target=row["unit_code"])
        self._log(done, "dispose", "assign", actor, now, to_unit=row["unit_code"])
        self.engine.at(self._later(now, 2.0), self._follow_up, done)
        self.engine.at(row["resolution_due_at"] + SWEEP, self._overdue, done)

    def _follow_up(self, now: datetime, done: Open) -> None:
        row, actor = done.row, self._officer(done, "processor")
        row.update(followed_up_at=now, updated_at=now)
        if row["status"] == rules.Status.IN_PROGRESS:
            row["status"] = rules.Status.FOLLOWED_UP
        self._update(done, "follow_up", actor, now, text=TEXTS["follow_up"])
        self._log(done, "follow up", "start", actor, now, late=now > row["follow_up_due_at"])
        days = rules.TIERS[row["tier"]] * 0.3
        self.engine.at(self._later(now, days), self._resolve, done)

    def _overdue(self, now: datetime, done: Open) -> None:
        row = done.row
        if row.get("resolved_at") or row["status"] in rules.FINAL_STATUSES:
            return
        system = Actor(SYSTEM.resource, SYSTEM.role, row["unit_code"], row["agency_code"])
        row.update(
            resolution_breached_at=now,
            escalated_at=now,
            status=rules.Status.APPEALED,
            appeal_kind="deadline",
            appealed_at=now,
            appeal_due_at=self._due(row["agency_code"], now, "appeal"),
        )
        self._log(done, "resolution breached", "complete", system, now, stage="resolution")
        self._log(done, "escalate", "complete", system, now, stage="resolution", to=None)
        self._log(done, "appeal", "resume", system, now, kind="deadline", to=None)

    def _resolve(self, now: datetime, done: Open) -> None:
        row, actor = done.row, self._officer(done, "processor")
        appealed = row["status"] == rules.Status.APPEALED
        row.update(
            status=rules.Status.RESOLVED,
            resolved_at=now,
            updated_at=now,
            reporter_due_at=self._due(row["agency_code"], now, "response"),
        )
        self._update(done, "resolution", actor, now, text=TEXTS["resolution"])
        self._log(
            done,
            "resolve",
            "complete",
            actor,
            now,
            late=now > row["resolution_due_at"],
            proof_files=0,
            during_appeal=appealed,
            response_due_at=row["reporter_due_at"].isoformat(),
        )
        if self.rng.random() < 0.8:
            self.engine.at(self._later(now, 1.0), self._accept, done)
        else:
            self.engine.at(row["reporter_due_at"] + SWEEP, self._silent, done)

    def _accept(self, now: datetime, done: Open) -> None:
        row = done.row
        rating = self.rng.choices((3, 4, 5), weights=(2, 5, 3))[0]
        reporter = Actor(CITIZEN, "reporter", agency=row["agency_code"])
        row.update(
            status=rules.Status.CLOSED,
            rating=rating,
            responded_at=now,
            closed_at=now,
            reporter_due_at=None,
            updated_at=now,
        )
        done.updates.append(
            self._row(done, "response", "reporter", None, now, rating=rating, public=False)
        )
        self._log(done, "accept", "complete", reporter, now, rating=rating, appeal_exhausted=False)
        self._close(done)

    def _silent(self, now: datetime, done: Open) -> None:
        row = done.row
        system = Actor(SYSTEM.resource, SYSTEM.role, row["unit_code"], row["agency_code"])
        row.update(status=rules.Status.CLOSED, closed_at=now, reporter_due_at=None, updated_at=now)
        self._log(done, "close without response", "complete", system, now)
        self._close(done)

    def _close(self, done: Open) -> None:
        self.writer.add(Complaint, done.row)
        for update in done.updates:
            self.writer.add(ComplaintUpdate, update)
        del self.open[done.row["tracking_number"]]

    def finish(self) -> None:
        """Write the complaints still open, as they stand."""
        for done in list(self.open.values()):
            self._close(done)

    def _update(self, done: Open, kind: str, actor: Actor, now: datetime, **extra: Any) -> None:
        done.row["updated_at"] = now
        done.updates.append(self._row(done, kind, "agency", actor, now, **extra))

    def _row(
        self, done: Open, kind: str, author: str, actor: Actor | None, now: datetime, **extra: Any
    ) -> dict[str, Any]:
        officer = actor.resource.removeprefix("officer:") if actor else ""
        return {
            "id": self.ids("update"),
            "complaint_id": done.row["id"],
            "kind": kind,
            "at": now,
            "text": extra.get("text"),
            "author": author,
            "officer_id": int(officer) if officer.isdigit() else None,
            "role": actor.role if actor else None,
            "agency_code": actor.agency if actor else None,
            "unit_code": actor.unit if actor else None,
            "target": extra.get("target"),
            "rating": extra.get("rating"),
            "public": extra.get("public", True),
        }

    def _log(
        self, done: Open, activity: str, lifecycle: str, actor: Actor, now: datetime, **payload: Any
    ) -> None:
        """As `complaints.procedure.log`: the acting agency's ledger, the complaint's unit."""
        self.writer.event(
            ledger=actor.agency or done.row["agency_code"],
            case_type="complaint",
            case_id=done.row["tracking_number"],
            activity=activity,
            lifecycle=lifecycle,
            actor=actor,
            at=now,
            unit=actor.unit or done.row["unit_code"],
            payload={k: v for k, v in payload.items() if v is not None},
        )
