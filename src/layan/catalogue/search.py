"""Finding a service by the words a citizen would use ("KTP hilang", "izin bangunan").

Pure ranking over the published standards: no database, no search engine to run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from layan.catalogue.standard import ServiceStandard
from layan.core.errors import Text

# Words citizens use that the standards spell otherwise.
SYNONYMS = {
    "imb": "pbg",
    "akte": "akta",
    "e-ktp": "ktp",
    "ektp": "ktp",
    "kk": "kartu keluarga",
    "lahir": "kelahiran",
    "izin": "izin",
    "ijin": "izin",
    "bangun": "bangunan",
    "polisi": "skck",
    "kerja": "melamar kerja",
    "rusak": "ktp rusak",
}
# Life events a service can be found by, in both languages.
LIFE_EVENTS = {
    "kelahiran": Text("Kelahiran anak", "A child is born"),
    "berusia_17_tahun": Text("Berusia 17 tahun", "Turning 17"),
    "pernikahan": Text("Menikah", "Getting married"),
    "kematian": Text("Kematian anggota keluarga", "A death in the family"),
    "pindah_domisili": Text("Pindah tempat tinggal", "Moving house"),
    "masuk_sekolah": Text("Masuk sekolah", "Starting school"),
    "kehilangan_dokumen": Text("Kehilangan dokumen", "Losing a document"),
    "membangun_rumah": Text("Membangun rumah", "Building a house"),
    "memulai_usaha": Text("Memulai usaha", "Starting a business"),
    "memulai_praktik": Text("Membuka praktik tenaga kesehatan", "Opening a health practice"),
    "melamar_pekerjaan": Text("Melamar pekerjaan", "Applying for a job"),
    "bekerja_di_luar_negeri": Text("Bekerja di luar negeri", "Working abroad"),
}


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def _terms(query: str) -> list[str]:
    words = _fold(query).split()
    return [_fold(SYNONYMS.get(w, w)) for w in words if len(w) > 1]


def _score(standard: ServiceStandard, terms: list[str]) -> int:
    keywords = [_fold(k) for k in standard.keywords]
    name = _fold(f"{standard.name.id} {standard.name.en} {standard.code}")
    summary = _fold(f"{standard.summary.id} {standard.summary.en}")
    phrase = " ".join(terms)
    score = 6 if phrase and any(phrase == k for k in keywords) else 0
    for term in terms:
        if any(term == k or term in k.split() for k in keywords):
            score += 3
        if term in name.split() or term in name:
            score += 2
        if term in summary:
            score += 1
    return score


def search(standards: Sequence[ServiceStandard], query: str) -> list[ServiceStandard]:
    """The standards that match `query`, best first; ties keep catalogue order."""
    terms = _terms(query)
    if not terms:
        return []
    scored = [(_score(s, terms), i, s) for i, s in enumerate(standards)]
    return [s for score, _i, s in sorted(scored, key=lambda x: (-x[0], x[1])) if score > 0]


def by_life_event(standards: Sequence[ServiceStandard], event: str) -> list[ServiceStandard]:
    return [s for s in standards if event in s.life_events]
