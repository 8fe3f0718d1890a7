"""The pure rules of officers' usernames and passwords, and who administers."""

from __future__ import annotations

from layan.accounts.rules import MIN_PASSWORD, USERNAME_RE, new_password_problems
from layan.core.access import Grant, Principal


def test_a_good_new_password_has_no_problems() -> None:
    assert new_password_problems("siti", "kata-sandi-panjang", "kata-sandi-panjang") == []


def test_a_short_password_and_differing_copies_are_named_by_field() -> None:
    problems = new_password_problems("siti", "pendek", "lain", field="pw", again_field="pw2")
    assert [(p.field, p.code) for p in problems] == [
        ("pw", "password.short"),
        ("pw2", "password.mismatch"),
    ]
    assert str(MIN_PASSWORD) in problems[0].text.en


def test_the_username_is_no_password_whatever_its_case() -> None:
    problems = new_password_problems("petugas-satu", " Petugas-Satu", " Petugas-Satu")
    assert [p.code for p in problems] == ["password.username"]


def test_usernames_are_lower_case_and_three_to_sixty_long() -> None:
    assert USERNAME_RE.match("dpmptsp-fo")
    assert not USERNAME_RE.match("ab")
    assert not USERNAME_RE.match("Siti")
    assert not USERNAME_RE.match("a" * 61)


def test_only_agency_and_platform_admins_administer() -> None:
    def who(*roles: str) -> Principal:
        return Principal(1, "x", "X", tuple(Grant(role=r) for r in roles))

    assert who("agency_admin").is_admin
    assert who("front_desk", "platform_admin").is_admin
    assert not who("supervisor", "auditor").is_admin
    assert not who().is_admin
