"""Demo complaints for the demo regency, made through the real services at past times.

Each sample is submitted at a moment of the last weeks and carried some way along its
lifecycle (verified, followed up, resolved, rated, appealed, archived, forwarded), so the
public list, the queues and the event log show every state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from layan.complaints import intake, rules, service
from layan.complaints.checks import Location, NewComplaint, Reporter
from layan.complaints.queries import find_by_number
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import Database

# (category, title, description, point or None, address or None)
SAMPLES = (
    (
        "jalan-rusak",
        "Jalan berlubang dekat SDN Sukamaju 1",
        "Lubang besar di tengah jalan, sudah beberapa pengendara motor jatuh.",
        (-6.912, 107.611),
        None,
    ),
    (
        "jalan-rusak",
        "Jembatan kayu di Desa Cibodas lapuk",
        "Papan jembatan banyak yang patah; anak sekolah melintas setiap hari.",
        (-6.98, 107.52),
        None,
    ),
    (
        "tata-ruang",
        "Bangunan di sempadan sungai",
        "Ada bangunan permanen baru di bantaran sungai, menyempitkan aliran.",
        (-6.95, 107.7),
        None,
    ),
    (
        "kependudukan",
        "Blangko KTP-el kosong sejak dua minggu",
        "Sudah tiga kali datang ke loket, selalu dijawab blangko habis.",
        None,
        None,
    ),
    (
        "kependudukan",
        "Salah cetak nama di Kartu Keluarga",
        "Nama anak saya salah ketik; mohon diperbaiki tanpa harus mengulang dari awal.",
        None,
        None,
    ),
    (
        "perizinan",
        "Izin usaha tidak ada kabar",
        "Pengajuan izin usaha sudah lewat waktu layanan tetapi belum ada kabar.",
        None,
        None,
    ),
    (
        "layanan-kesehatan",
        "Antrean puskesmas terlalu lama",
        "Menunggu lebih dari tiga jam di Puskesmas Sukamaju tanpa nomor antrean.",
        None,
        "Jl. Raya Sukamaju No. 12",
    ),
    (
        "skck",
        "Loket SKCK tutup sebelum jam layanan",
        "Loket sudah tutup pukul 12.00 padahal jadwal sampai pukul 14.00.",
        None,
        None,
    ),
    (
        "retribusi",
        "Tarikan parkir tanpa karcis",
        "Juru parkir di pasar menarik Rp5.000 tanpa memberikan karcis resmi.",
        None,
        "Pasar Baru Sukamaju",
    ),
)
NAMES = ("Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Agus Setiawan", "Nur Aini", "")
# How far each sample goes: the last step applied, by weight.
DEPTHS = (
    ("submitted", 5), ("needs_info", 2), ("in_progress", 5), ("followed_up", 4),
    ("resolved", 4), ("closed", 6), ("appealed", 2), ("archived", 2), ("forwarded", 1),
)  # fmt: skip


def _who(officers: Sequence[Principal], test: Callable[[Principal], bool]) -> Principal:
    return next(p for p in officers if test(p))


def sample_complaints(
    db: Database,
    blobs: BlobStore,
    secret: str,
    officers: Sequence[Principal],
    rng: random.Random,
    count: int = 36,
) -> int:
    """Submit `count` complaints over the last four weeks and work each some way."""
    real_clock = db.clock
    start = real_clock() - timedelta(days=28)
    try:
        for _ in range(count):
            at = start + timedelta(minutes=rng.randint(0, 27 * 24 * 60))
            db.clock = lambda at=at: at  # type: ignore[misc]
            number = _submit(db, blobs, secret, rng)
            depth = rng.choices([d for d, _ in DEPTHS], [w for _, w in DEPTHS])[0]
            _work(db, officers, number, depth, secret, rng, at, real_clock())
    finally:
        db.clock = real_clock
    service.sweep_complaint_deadlines(db)
    return count


def _submit(db: Database, blobs: BlobStore, secret: str, rng: random.Random) -> str:
    category, title, description, point, address = rng.choice(SAMPLES)
    lat, lon = point if point else (None, None)
    if lat is not None and lon is not None:
        lat, lon = lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)
    name = rng.choice(NAMES)
    privacy = rng.choices(rules.Privacy.ALL, [7, 2, 1])[0]
    complaint = NewComplaint(
        kind=rng.choices(rules.Kind.ALL, [8, 1, 1])[0],
        category=category,
        title=title,
        description=description,
        location=Location(lat, lon, address),
        privacy=privacy,
        reporter=Reporter(name or None, f"0812{rng.randint(10000000, 99999999)}" if name else None),
    )
    return intake.submit_complaint(db, complaint, {}, blobs=blobs, secret=secret).tracking_number


FOLLOW_UP = "Petugas sudah meninjau lokasi dan menjadwalkan perbaikan."
PROOF = "Perbaikan selesai dikerjakan; foto hasil disimpan di unit."
OUT_OF_SCOPE = "Bukan ranah pelayanan publik; silakan sampaikan ke kepolisian."
OMBUDSMAN = "Ombudsman RI Perwakilan Jawa Barat"
UPTO = {"in_progress": 2, "followed_up": 3, "resolved": 4, "closed": 5, "appealed": 5}


def _work(
    db: Database,
    officers: Sequence[Principal],
    number: str,
    depth: str,
    secret: str,
    rng: random.Random,
    at: datetime,
    now: datetime,
) -> None:
    """Apply the lifecycle's steps up to `depth`, some hours apart, never past now."""
    with db.unit_of_work(readonly=True) as uow:
        found = find_by_number(uow, number)
        assert found is not None
        agency, unit_id, unit = found.agency_code, found.unit_id, found.unit_code
    handler = _who(officers, lambda p: rules.handles(p, agency))
    worker = _who(officers, lambda p: unit_id in p.unit_ids and not p.has_role("supervisor"))
    rating = rng.choice([1, 2]) if depth == "appealed" else rng.choice([4, 5])
    pin = rules.complaint_pin(secret, number)
    steps: list[Callable[[], object]] = [
        lambda: service.verify_complaint(db, handler, number),
        lambda: service.dispose_to_unit(db, handler, number, unit),
        lambda: service.post_follow_up(db, worker, number, FOLLOW_UP),
        lambda: service.resolve_complaint(db, worker, number, proof=PROOF),
        lambda: intake.respond_to_resolution(
            db, tracking_number=number, pin=pin, secret=secret, rating=rating
        ),
    ][: UPTO.get(depth, 0)]
    if depth == "needs_info":
        steps = [lambda: service.ask_for_information(db, handler, number, "Mohon lampirkan foto.")]
    elif depth == "archived":
        steps = [
            lambda: service.archive_complaint(
                db, handler, number, reason_code="out_of_scope", reason=OUT_OF_SCOPE
            )
        ]
    elif depth == "forwarded":
        steps = [
            lambda: service.forward_complaint(
                db, handler, number, reason="Dugaan maladministrasi berat.", to_external=OMBUDSMAN
            )
        ]
    for step in steps:
        at += timedelta(hours=rng.choice([3, 20, 26, 50]))
        if at > now:
            return
        db.clock = lambda at=at: at  # type: ignore[misc]
        step()
