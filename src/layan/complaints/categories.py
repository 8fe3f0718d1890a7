"""What a complaint can be about, and which unit of the demo regency answers for it.

A category routes a new complaint to the unit (AGENCY.UNIT) whose complaint handlers
verify it. An agency that runs its own regency edits this table; the codes are stable
because the public API and the Open311 face publish them as service codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from layan.core.errors import Text


@dataclass(frozen=True)
class Category:
    """One kind of problem a citizen can report, and who answers for it."""

    code: str
    name: Text
    description: Text
    unit: str  # AGENCY.UNIT that receives it
    tier: str  # the resolution tier the verifier starts from
    needs_location: bool = False  # a problem in a place (a road) needs a point or an address

    @property
    def agency(self) -> str:
        return self.unit.split(".", 1)[0]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "jalan-rusak",
        Text("Jalan rusak", "Road damage"),
        Text(
            "Jalan berlubang, amblas, atau retak; jembatan dan drainase jalan",
            "Potholes, subsidence or cracks in roads; bridges and road drainage",
        ),
        "PUPR.TPT",
        "investigation",
        needs_location=True,
    ),
    Category(
        "tata-ruang",
        Text("Bangunan dan tata ruang", "Buildings and spatial planning"),
        Text(
            "Bangunan tanpa PBG, pelanggaran garis sempadan, pemanfaatan ruang",
            "Buildings without a permit, setback violations, land use",
        ),
        "PUPR.TATA-RUANG",
        "investigation",
        needs_location=True,
    ),
    Category(
        "kependudukan",
        Text("Dokumen kependudukan", "Population documents"),
        Text(
            "KTP-el, Kartu Keluarga, akta kelahiran, KIA: antrean, blangko, kesalahan data",
            "ID cards, family cards, birth certificates: queues, blanks, wrong data",
        ),
        "DISDUKCAPIL.LOKET",
        "normative",
    ),
    Category(
        "perizinan",
        Text("Perizinan", "Licensing"),
        Text(
            "Izin usaha, PBG, izin reklame: persyaratan, waktu, biaya tidak resmi",
            "Business, building and billboard permits: requirements, delays, unofficial fees",
        ),
        "DPMPTSP.FO",
        "normative",
    ),
    Category(
        "layanan-kesehatan",
        Text("Layanan kesehatan", "Health services"),
        Text(
            "Puskesmas, izin praktik tenaga kesehatan, pelayanan petugas kesehatan",
            "Community health centres, health worker licences, health staff conduct",
        ),
        "DINKES.LOKET",
        "normative",
    ),
    Category(
        "skck",
        Text("SKCK", "Police clearance (SKCK)"),
        Text(
            "Pelayanan Surat Keterangan Catatan Kepolisian",
            "The police clearance certificate service",
        ),
        "POLRES.SKCK",
        "minor",
    ),
    Category(
        "retribusi",
        Text("Pajak dan retribusi daerah", "Local taxes and levies"),
        Text(
            "Penetapan retribusi, pungutan tanpa karcis, tagihan keliru",
            "Levy assessments, charges without a receipt, wrong bills",
        ),
        "BAPENDA.RETRIBUSI",
        "normative",
    ),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
