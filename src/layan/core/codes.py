"""Reference codes people read aloud, type and print: tracking numbers, document ids.

Twelve characters from an alphabet that cannot be confused when read aloud or
handwritten, the last a check character, so a mistyped code reads as "no such code"
rather than as somebody else's.
"""

from __future__ import annotations

import re
import secrets

# Letters and digits that cannot be confused when read aloud or handwritten:
# no 0/O, 1/I/L, and no U (which reads like V).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_CHARS = 11
CODE_RE = re.compile(rf"^[{ALPHABET}]{{12}}$")


def check_char(body: str) -> str:
    """The Luhn mod N check character over the alphabet.

    It catches every single misread character and most swaps of two neighbours.
    """
    n, total, factor = len(ALPHABET), 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 3 - factor
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    """Eleven random characters (about 54 bits) and a check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_CHARS))
    return body + check_char(body)


def normalise_code(value: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-.]", "", value.upper())
    if not CODE_RE.match(cleaned) or check_char(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def format_code(value: str) -> str:
    """Groups of four, as read over the phone: K7QM-8XPT-3RAB."""
    return "-".join(value[i : i + 4] for i in range(0, len(value), 4))
