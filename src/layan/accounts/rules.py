"""The rules of officers' usernames and passwords: pure Python, no database, no web."""

from __future__ import annotations

import re

from layan.core.errors import FieldError, Text

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD = 10
PASSWORD_SHORT = Text(
    f"Kata sandi paling sedikit {MIN_PASSWORD} karakter",
    f"The password needs at least {MIN_PASSWORD} characters",
)
PASSWORD_IS_USERNAME = Text(
    "Kata sandi tidak boleh sama dengan nama pengguna",
    "The password must not be the username",
)
PASSWORDS_DIFFER = Text(
    "Kedua kata sandi baru tidak sama",
    "The two copies of the new password differ",
)


def new_password_problems(
    username: str,
    new: str,
    again: str,
    *,
    field: str = "new_password",
    again_field: str = "new_password_again",
) -> list[FieldError]:
    """What is wrong with a new password: too short, the username, or two copies differing."""
    problems = []
    if len(new) < MIN_PASSWORD:
        problems.append(FieldError(field, "password.short", PASSWORD_SHORT))
    elif new.strip().lower() == username.strip().lower():
        problems.append(FieldError(field, "password.username", PASSWORD_IS_USERNAME))
    if new != again:
        problems.append(FieldError(again_field, "password.mismatch", PASSWORDS_DIFFER))
    return problems
