"""The demo's citizen: one person whose documents, issued on Layan, are never asked again.

Siti Aminah gets her family card, then her KTP-el (which takes the family card by its
id, no upload), then applies for an SKCK (taking both) and a building approval (her
identity looked up in the civil registry by NIK). The last two wait in their agencies'
queues for a demo user to work them. `layan demo citizens` prints her numbers and PINs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from layan.applications import intake
from layan.applications import service as applications
from layan.applications.models import Application
from layan.applications.rules import Decision, TaskStatus, tracking_pin
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database
from layan.documents.issue import Issuer
from layan.documents.queries import outputs_of_application


@dataclass(frozen=True)
class DemoCitizen:
    nik: str
    name: str
    phone: str
    email: str


CITIZEN = DemoCitizen("3204016708900002", "Siti Aminah", "081234567890", "siti@contoh.id")
FAMILY = {"head_nik": CITIZEN.nik, "head_name": CITIZEN.name, "reason": "perubahan_data",
          "members": 3, "change_note": "Perubahan alamat"}  # fmt: skip


def _submit(
    db: Database,
    issuer: Issuer,
    secret: str,
    code: str,
    *,
    data: dict[str, object] | None = None,
    issued: dict[str, str] | None = None,
    without: tuple[str, ...] = (),
) -> str:
    from layan.demo import sample_submission  # the demo's builder of plausible answers

    with db.unit_of_work(readonly=True) as uow:
        standard = catalogue.get_standard(uow, code).standard
    _who, sample, files = sample_submission(standard, random.Random(code))
    applicant = intake.Applicant(CITIZEN.nik, CITIZEN.name, CITIZEN.phone, CITIZEN.email)
    receipt = intake.submit_application(
        db,
        service_code=code,
        applicant=applicant,
        data={
            **sample,
            **({"full_name": CITIZEN.name} if "full_name" in sample else {}),
            **(data or {}),
        },
        files={k: f for k, f in files.items() if k not in without},
        blobs=issuer.blobs,
        secret=secret,
        issued=issued,
    )
    return receipt.tracking_number


def _approve(db: Database, issuer: Issuer, officers: list[Principal], number: str) -> str:
    """Approve every step as its officers would; the id of the output issued."""
    while True:
        with db.unit_of_work(readonly=True) as uow:
            app = uow.session.execute(
                select(Application).where(Application.tracking_number == number)
            ).scalar_one()
            open_tasks = [
                (t.id, t.unit_id, t.role) for t in app.tasks if t.status in TaskStatus.ACTIVE
            ]
            if not open_tasks:
                return outputs_of_application(uow, app.id)[0].id
        for task_id, unit_id, role in open_tasks:
            officer = next(p for p in officers if p.holds(role, unit_id))
            applications.decide_task(db, officer, task_id, Decision("approve"), issuer)


def once_only_story(db: Database, issuer: Issuer, secret: str, officers: list[Principal]) -> None:
    """Siti's documents, issued and reused over the last days."""
    real_clock = db.clock
    start = real_clock() - timedelta(days=6)
    try:
        db.clock = lambda: start  # type: ignore[assignment]
        kk = _approve(
            db, issuer, officers, _submit(db, issuer, secret, "kartu-keluarga", data=FAMILY)
        )
        db.clock = lambda: start + timedelta(days=1)  # type: ignore[assignment]
        ktp_number = _submit(
            db,
            issuer,
            secret,
            "ktp-el-baru",
            data={"basis": "usia_17"},
            issued={"kk": kk},
            without=("kk",),
        )
        ktp = _approve(db, issuer, officers, ktp_number)
        db.clock = lambda: real_clock() - timedelta(hours=3)  # type: ignore[assignment]
        _submit(
            db, issuer, secret, "skck", data={"purpose": "melamar_kerja"},
            issued={"ktp": ktp, "kk": kk}, without=("ktp", "kk"),
        )  # fmt: skip
        _submit(db, issuer, secret, "pbg", data={"floor_area_m2": 120}, without=("ktp",))
    finally:
        db.clock = real_clock


@dataclass(frozen=True)
class CitizenCase:
    service: str
    tracking_number: str
    pin: str
    status: str
    outputs: list[str]


def citizen_cases(db: Database, secret: str) -> list[CitizenCase]:
    """The demo citizen's applications, with the PIN each opens with."""
    with db.unit_of_work(readonly=True) as uow:
        apps = uow.session.execute(
            select(Application)
            .where(Application.applicant_nik == CITIZEN.nik)
            .order_by(Application.submitted_at)
        ).scalars()
        return [
            CitizenCase(
                a.service_code,
                a.tracking_number,
                tracking_pin(secret, a.tracking_number),
                a.status,
                [o.id for o in outputs_of_application(uow, a.id)],
            )
            for a in apps
        ]
