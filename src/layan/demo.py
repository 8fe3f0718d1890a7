"""Demo data: a fictional regency, its officers, and a few hundred past applications.

Everything is made through the same services a real agency uses, so the demo's event
log is a real, verifiable chain and its cases went through the real procedure.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from layan import demo_story
from layan.accounts import service as accounts
from layan.accounts.models import Officer
from layan.applications import intake, sweep
from layan.applications import service as applications
from layan.applications.models import Application
from layan.applications.rules import Decision, Status, TaskStatus
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.catalogue import service as catalogue_service
from layan.complaints import demo as complaints_demo
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import SYSTEM, Event
from layan.documents.issue import Issuer
from layan.documents.keys import ensure_keys
from layan.notify import outbox
from layan.surveys import rules as survey_rules
from layan.surveys import service as surveys

PASSWORD = "layan-demo"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    unit: str | None
    agency: str | None
    name: str


def demo_accounts() -> list[DemoAccount]:
    """Officers for every role: each unit's step roles, a supervisor, admin and complaint
    handler per agency, and the platform's admin and auditor."""
    agencies = standards.load_agencies(standards.DEMO_DIR / "agencies.yaml")
    needed: dict[str, set[str]] = {}
    for standard in standards.load_standards(standards.DEMO_DIR / "services"):
        for step in standard.procedure:
            needed.setdefault(step.unit, set()).add(step.role)
    accounts_: list[DemoAccount] = []
    for agency in agencies:
        first_unit = f"{agency.code}.{agency.units[0].code}"
        for unit in agency.units:
            full = f"{agency.code}.{unit.code}"
            roles = sorted(needed.get(full, set())) or ["processor"]
            for role in roles:
                suffix = "" if len(roles) == 1 else f"-{role.replace('_', '')}"
                username = f"{agency.code}-{unit.code}{suffix}".lower()
                accounts_.append(
                    DemoAccount(
                        username,
                        PASSWORD,
                        role,
                        full,
                        agency.code,
                        f"Petugas {unit.code.title()} {agency.code}",
                    )
                )
            accounts_.append(
                DemoAccount(
                    f"{agency.code.lower()}-kepala",
                    PASSWORD,
                    "supervisor",
                    full,
                    agency.code,
                    f"Kepala {agency.code}",
                )
            )
        accounts_.append(
            DemoAccount(
                f"{agency.code.lower()}-admin",
                PASSWORD,
                "agency_admin",
                first_unit,
                agency.code,
                f"Admin {agency.code}",
            )
        )
        accounts_.append(
            DemoAccount(
                f"{agency.code.lower()}-pengaduan",
                PASSWORD,
                "complaint_handler",
                first_unit,
                agency.code,
                f"Pengelola Pengaduan {agency.code}",
            )
        )
    accounts_.append(DemoAccount("admin", PASSWORD, "platform_admin", None, None, "Admin Platform"))
    accounts_.append(DemoAccount("auditor", PASSWORD, "auditor", None, None, "Auditor Inspektorat"))
    return accounts_


def _create_officers(db: Database) -> None:
    by_user: dict[str, list[DemoAccount]] = {}
    for account in demo_accounts():
        by_user.setdefault(account.username, []).append(account)
    for username, grants in by_user.items():
        accounts.create_officer(
            db.unit_of_work(),
            username=username,
            name=grants[0].name,
            password=PASSWORD,
            roles=[accounts.RoleInUnit(g.role, g.unit) for g in grants],
        )


def _sample_nik(rng: random.Random) -> str:
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    district, month, year = rng.randint(1, 30), rng.randint(1, 12), rng.randint(60, 99)
    return f"3204{district:02d}{day:02d}{month:02d}{year:02d}{rng.randint(1, 9999):04d}"


def _field_value(field: standards.FormField, rng: random.Random) -> object:
    match field.type:
        case "number":
            low = field.min if field.min is not None else 1
            high = field.max if field.max is not None else low + 1000
            return rng.randint(int(low), int(min(high, low + 1000)))
        case "date":
            return (datetime(2024, 1, 1) - timedelta(days=rng.randint(0, 9000))).date().isoformat()
        case "choice":
            return rng.choice(field.choices).value
        case "nik":
            return _sample_nik(rng)
        case "phone":
            return f"0812{rng.randint(10000000, 99999999)}"
        case "email":
            return f"warga{rng.randint(1, 99999)}@contoh.id"
        case _:
            return f"Isian contoh {rng.randint(1, 999)}"


def _file_for(upload: standards.Upload, slot: str) -> intake.IncomingFile:
    kind = next(t for t in ("pdf", "png", "jpg", "jpeg") if t in upload.types)
    content = {"pdf": PDF, "png": PNG}.get(kind, JPG)
    return intake.IncomingFile(f"{slot}.{kind}", f"application/{kind}", content)


def sample_submission(
    standard: standards.ServiceStandard, rng: random.Random
) -> tuple[intake.Applicant, dict[str, object], dict[str, intake.IncomingFile]]:
    """A plausible, valid application for `standard`."""
    data = {f.code: _field_value(f, rng) for f in standard.form if f.type != "file"}
    files = {s.code: _file_for(s.upload, s.code) for s in standard.document_slots()}
    applicant = intake.Applicant(
        _sample_nik(rng),
        rng.choice(NAMES),
        f"0813{rng.randint(10000000, 99999999)}",
        f"pemohon{rng.randint(1, 99999)}@contoh.id",
    )
    for code in NAME_FIELDS:  # the applicant's own name where a form asks for it
        if code in data:
            data[code] = applicant.name
    return applicant, data, files


NAME_FIELDS = ("full_name", "head_name")


NAMES = [
    "Siti Rahmawati",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Setiawan",
    "Nur Aini",
    "Rudi Hartono",
    "Ayu Wulandari",
    "Made Wirawan",
    "Yohanes Kambu",
    "Fitri Handayani",
]


def load_demo(
    db: Database,
    blobs: BlobStore,
    secret: str,
    *,
    applications_count: int = 300,
    seed: int = 7,
    issuer: Issuer | None = None,
) -> bool:
    """Fill an empty database with the demo regency; False if it already has agencies.

    Past applications are decided, so they issue documents: they need the `issuer`.
    """
    with db.unit_of_work(readonly=True) as uow:
        if catalogue.list_agencies(uow):
            return False
    if applications_count and issuer is None:
        raise ValueError("past applications issue documents: give the demo an issuer")
    catalogue_service.import_demo_catalogue(db)
    _create_officers(db)
    if issuer is not None:
        with db.unit_of_work(readonly=True) as uow:
            codes = [a.code for a in catalogue.list_agencies(uow)]
        ensure_keys(db, issuer.keys, codes, SYSTEM)
    if applications_count and issuer is not None:
        _past_applications(db, issuer, secret, applications_count, random.Random(seed))
        demo_story.once_only_story(db, issuer, secret, _principals(db))
        sweep.sweep_deadlines(db)  # today's view: what is late is marked late
        complaints_demo.sample_complaints(db, blobs, secret, _principals(db), random.Random(seed))
    _told_nobody(db)
    return True


def _told_nobody(db: Database) -> None:
    """The demo's past is announced to nobody: the outbox starts after it."""
    with db.unit_of_work() as uow:
        last = uow.session.execute(select(func.max(Event.id))).scalar() or 0
        outbox.pass_over(outbox.hold_cursor(uow), last)
        uow.commit()


def _principals(db: Database) -> list[Principal]:
    with db.unit_of_work(readonly=True) as uow:
        return [accounts.principal_of(o) for o in uow.session.execute(select(Officer)).scalars()]


def _past_applications(
    db: Database, issuer: Issuer, secret: str, count: int, rng: random.Random
) -> None:
    """Submit `count` applications over the last weeks and work them in time order."""
    real_clock = db.clock
    officers = _principals(db)
    with db.unit_of_work(readonly=True) as uow:
        published = catalogue.list_standards(uow)
    start = datetime.now(UTC) - timedelta(days=45)
    agenda: list[tuple[datetime, int, str]] = []
    for i in range(count):
        at = start + timedelta(minutes=rng.randint(0, 44 * 24 * 60))
        heapq.heappush(agenda, (at, i, ""))
    try:
        while agenda:
            at, i, number = heapq.heappop(agenda)
            if at > real_clock():
                continue  # still in the future: left open in today's queues
            db.clock = lambda at=at: at  # type: ignore[misc]
            if not number:
                standard = rng.choice(published).standard
                applicant, data, files = sample_submission(standard, rng)
                receipt = intake.submit_application(
                    db,
                    service_code=standard.code,
                    applicant=applicant,
                    data=data,
                    files=files,
                    blobs=issuer.blobs,
                    secret=secret,
                )
                number = receipt.tracking_number
            elif not _work_one(db, officers, number, rng, secret, issuer):
                continue
            heapq.heappush(
                agenda, (at + timedelta(hours=rng.choice([2, 5, 20, 30, 70])), i, number)
            )
    finally:
        db.clock = real_clock


def _work_one(
    db: Database,
    officers: list[Principal],
    number: str,
    rng: random.Random,
    secret: str,
    issuer: Issuer,
) -> bool:
    """Act once on an application as its officers or its applicant would; False when done."""
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        status = app.status
        open_tasks = [(t.id, t.unit_id, t.role) for t in app.tasks if t.status in TaskStatus.ACTIVE]
    if status in Status.FINAL:
        return False
    if status == Status.RETURNED:
        if rng.random() < 0.3:
            return False  # the applicant has not fixed it yet
        pin = intake.rules.tracking_pin(secret, number)
        intake.resubmit_application(
            db,
            tracking_number=number,
            pin=pin,
            data={},
            files={},
            blobs=issuer.blobs,
            secret=secret,
        )
        return True
    if rng.random() < 0.12:
        return False  # left waiting in the queue
    for task_id, unit_id, role in open_tasks:
        officer = next(p for p in officers if p.holds(role, unit_id))
        roll = rng.random()
        if roll < 0.08:
            decision = Decision("return", "Dokumen kurang jelas; mohon unggah ulang yang terbaca")
        elif roll < 0.12:
            decision = Decision("reject", "Persyaratan tidak terpenuhi", "UU 25/2009 Pasal 18")
        else:
            decision = Decision("approve")
        result = applications.decide_task(db, officer, task_id, decision, issuer)
        if result.application_status in Status.FINAL and rng.random() < 0.7:
            _answer_survey(db, number, secret, rng)
        if decision.outcome != "approve":
            break
    return True


def _answer_survey(db: Database, number: str, secret: str, rng: random.Random) -> None:
    """The applicant rates the ended case: mostly satisfied, now and then not at all."""
    scores = {
        key: rng.choices((1, 2, 3, 4), weights=(2, 8, 45, 45))[0]
        for key in survey_rules.ELEMENT_KEYS
    }
    if rng.random() < 0.2:
        scores["suggestion"] = rng.choice(SUGGESTIONS)  # type: ignore[assignment]
    surveys.answer_for_application(
        db,
        tracking_number=number,
        secret=secret,
        raw=scores,
        pin=intake.rules.tracking_pin(secret, number),
    )


SUGGESTIONS = [
    "Ruang tunggu perlu lebih banyak kursi.",
    "Mohon informasi biaya dipasang di loket.",
    "Petugas ramah, tetapi antrean pagi panjang.",
    "Notifikasi lewat WhatsApp akan sangat membantu.",
]


def application_count(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(select(func.count(Application.id))).scalar_one()
