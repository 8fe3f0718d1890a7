"""Indonesian identity numbers: NIK (Nomor Induk Kependudukan) and No. KK (family card).

A NIK is 16 digits, ``PP KK CC DD MM YY NNNN``: province, regency or city, district,
day of birth (plus 40 for women), month, two-digit year, serial. It has no checksum.
The region is where the NIK was first registered and the birth date is never corrected
by reissuing, so a NIK that disagrees with what the applicant states is only flagged,
never refused (see `nik_warnings`). A NIK is personal data: show it masked.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from layan.core.errors import Text

# Kemendagri province codes (Kepmendagri 300.2.2-2138/2025), 38 provinces.
PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: str.isdigit() also accepts "١" or "²"
_WHITESPACE = re.compile(r"\s+")


def _messages(label: str) -> dict[str, Text]:
    return {
        "format": Text(id=f"{label} harus 16 digit angka.", en=f"{label} must be 16 digits."),
        "province": Text(
            id=f"Dua digit pertama {label} bukan kode provinsi yang dikenal. "
            "Periksa kembali angka pada KTP atau Kartu Keluarga.",
            en=f"The first two digits of the {label} are not a known province code. "
            "Please check the number on your KTP or family card.",
        ),
        "day": Text(
            id=f"Digit ke-7 dan ke-8 {label} (tanggal lahir) harus 01-31, "
            "atau 41-71 untuk perempuan.",
            en=f"Digits 7 and 8 of the {label} (day of birth) must be 01-31, or 41-71 for women.",
        ),
        "month": Text(
            id=f"Digit ke-9 dan ke-10 {label} (bulan lahir) harus 01-12.",
            en=f"Digits 9 and 10 of the {label} (month of birth) must be 01-12.",
        ),
        "date": Text(
            id=f"Tanggal lahir dalam {label} tidak ada di kalender (misalnya 31 Februari).",
            en=f"The date of birth in the {label} does not exist (for example 31 February).",
        ),
        "serial": Text(
            id=f"Empat digit terakhir {label} tidak boleh 0000.",
            en=f"The last four digits of the {label} cannot be 0000.",
        ),
    }


_NIK_TEXT = _messages("NIK")
_KK_TEXT = _messages("No. KK")
_BIRTH_DATE_DIFFERS = Text(
    id="Tanggal lahir yang diisi berbeda dengan tanggal lahir pada NIK. "
    "Mohon periksa kembali; permohonan tetap dapat diproses.",
    en="The date of birth entered differs from the one in the NIK. "
    "Please check it; the application can still go ahead.",
)
_SEX_DIFFERS = Text(
    id="Jenis kelamin yang diisi berbeda dengan yang tercatat pada NIK. "
    "Mohon periksa kembali; permohonan tetap dapat diproses.",
    en="The sex entered differs from the one recorded in the NIK. "
    "Please check it; the application can still go ahead.",
)


class InvalidNikError(ValueError):
    """A NIK that cannot be valid; `code` says why and `text` says it in Indonesian and English.

    `code` is one of "format", "province", "day", "month", "date", "serial". `parse_kk`
    raises it too, with a message that names the No. KK.
    """

    def __init__(self, code: str, text: Text | None = None) -> None:
        self.code = code
        self.text = text if text is not None else _NIK_TEXT[code]
        super().__init__(self.text.en)


def _candidate_dates(day: int, month: int, yy: int) -> list[date]:
    """The dates in 19YY and 20YY that exist in the calendar, earliest first."""
    years = (1900 + yy, 2000 + yy)
    return [date(y, month, day) for y in years if day <= calendar.monthrange(y, month)[1]]


@dataclass(frozen=True, repr=False)
class Nik:
    """A NIK that passed every rule; its parts as encoded (`birth_day` is 1-31 for women too)."""

    value: str
    province_code: str
    regency_code: str
    district_code: str
    female: bool
    birth_day: int
    birth_month: int
    birth_yy: int
    serial: int

    def possible_birth_dates(self, *, today: date | None = None) -> list[date]:
        """The birth date in 19YY and in 20YY, where it exists and is not after `today`."""
        today = today or date.today()
        candidates = _candidate_dates(self.birth_day, self.birth_month, self.birth_yy)
        return [d for d in candidates if d <= today]

    @property
    def province_name(self) -> str:
        return PROVINCES[self.province_code]

    @property
    def masked(self) -> str:
        return mask_nik(self.value)

    def __repr__(self) -> str:  # never put a whole NIK in a log line by accident
        return f"Nik({self.masked!r})"


def _normalise(value: object) -> str:
    return _WHITESPACE.sub("", value) if isinstance(value, str) else ""


def parse_nik(value: str) -> Nik:
    """Check a NIK against every rule and return its parts; whitespace is ignored.

    Raises `InvalidNikError` for the first rule broken, in the order format, province,
    day, month, date, serial.
    """
    digits = _normalise(value)
    if not _SIXTEEN_DIGITS.fullmatch(digits):
        raise InvalidNikError("format")
    if digits[:2] not in PROVINCES:
        raise InvalidNikError("province")
    day, month, yy = (int(digits[i : i + 2]) for i in (6, 8, 10))
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise InvalidNikError("day")
    if not 1 <= month <= 12:
        raise InvalidNikError("month")
    female = day > 40
    if female:
        day -= 40
    if not _candidate_dates(day, month, yy):
        raise InvalidNikError("date")
    if digits[12:] == "0000":
        raise InvalidNikError("serial")
    return Nik(
        value=digits,
        province_code=digits[:2],
        regency_code=digits[:4],
        district_code=digits[:6],
        female=female,
        birth_day=day,
        birth_month=month,
        birth_yy=yy,
        serial=int(digits[12:]),
    )


def is_valid_nik(value: str) -> bool:
    try:
        parse_nik(value)
    except InvalidNikError:
        return False
    return True


def mask_nik(value: str) -> str:
    """Keep the first 4 and last 2 characters and star the rest; up to 6 characters, all stars."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str) -> str:
    """Keep the first 4 and last 4 digits (and a leading "+"); up to 8 digits, all stars.

    Separators are dropped: "+62 812-3456-7890" becomes "+6281*****7890".
    """
    plus = "+" if value.strip().startswith("+") else ""
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) <= 8:
        return "*" * len(digits)
    return plus + digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def nik_warnings(
    nik: Nik, *, birth_date: date | None = None, female: bool | None = None
) -> list[Text]:
    """What the applicant stated that disagrees with the NIK: to flag, never to refuse."""
    warnings = []
    stated_dates = _candidate_dates(nik.birth_day, nik.birth_month, nik.birth_yy)
    if birth_date is not None and birth_date not in stated_dates:
        warnings.append(_BIRTH_DATE_DIFFERS)
    if female is not None and female != nik.female:
        warnings.append(_SEX_DIFFERS)
    return warnings


def parse_kk(value: str) -> str:
    """Check a No. KK (family card number) and return its 16 digits; whitespace is ignored.

    Raises `InvalidNikError` with code "format", "province" or "serial".
    """
    digits = _normalise(value)
    if not _SIXTEEN_DIGITS.fullmatch(digits):
        raise InvalidNikError("format", _KK_TEXT["format"])
    if digits[:2] not in PROVINCES:
        raise InvalidNikError("province", _KK_TEXT["province"])
    if digits[12:] == "0000":
        raise InvalidNikError("serial", _KK_TEXT["serial"])
    return digits
