"""Who is calling: the roles an officer holds, as the services check them."""

from __future__ import annotations

from dataclasses import dataclass

from layan.core.errors import FieldError, Text, ValidationFailedError

# Roles a unit's officers hold; platform-wide roles hold no unit.
UNIT_ROLES = (
    "front_desk",
    "processor",
    "approver",
    "supervisor",
    "complaint_handler",
    "agency_admin",
)
PLATFORM_ROLES = ("platform_admin", "auditor")
ROLES = UNIT_ROLES + PLATFORM_ROLES
# Roles that administer an agency (or, platform-wide, every agency).
ADMIN_ROLES = frozenset({"agency_admin", "platform_admin"})
# Roles that may read any case but change nothing through it.
READ_ALL_ROLES = frozenset({"platform_admin", "auditor"})
# What a sign-in may be used for: "read" looks, "write" changes. A sign-in that asked
# for nothing in particular may do both.
SCOPES = ("read", "write")
ALL_SCOPES = frozenset(SCOPES)


def parse_scopes(requested: str) -> frozenset[str]:
    """The scopes a sign-in asks for ("read", "write", space-separated); none means both."""
    asked = frozenset(requested.split())
    unknown = sorted(asked - ALL_SCOPES)
    if unknown:
        names = ", ".join(unknown)[:100]
        raise ValidationFailedError(
            Text("Cakupan token tidak sah", "Invalid token scope"),
            "invalid",
            [
                FieldError(
                    "scope",
                    "scope.unknown",
                    Text(
                        f"scope: {names} tidak dikenal; pilih read dan/atau write",
                        f"scope: {names} is unknown; choose read and/or write",
                    ),
                )
            ],
        )
    return asked or ALL_SCOPES


def scope_text(scopes: frozenset[str]) -> str:
    """Scopes as the token stores and returns them: "read write"."""
    return " ".join(s for s in SCOPES if s in scopes)


@dataclass(frozen=True)
class Grant:
    """One role held in one unit (or platform-wide, with no unit)."""

    role: str
    unit_id: int | None = None
    unit: str | None = None
    agency: str | None = None


@dataclass(frozen=True)
class Principal:
    """A signed-in officer and everything they may act as."""

    officer_id: int
    username: str
    name: str
    grants: tuple[Grant, ...]
    scopes: frozenset[str] = ALL_SCOPES

    @property
    def may_write(self) -> bool:
        """The sign-in was given for changing things, not only for looking."""
        return "write" in self.scopes

    @property
    def resource(self) -> str:
        return f"officer:{self.officer_id}"

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)

    @property
    def reads_everything(self) -> bool:
        return any(g.role in READ_ALL_ROLES for g in self.grants)

    @property
    def is_admin(self) -> bool:
        """Administers an agency (agency admin) or every agency (platform admin)."""
        return any(g.role in ADMIN_ROLES for g in self.grants)

    @property
    def is_auditor(self) -> bool:
        return self.has_role("auditor")

    @property
    def unit_ids(self) -> frozenset[int]:
        return frozenset(g.unit_id for g in self.grants if g.unit_id is not None)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(g.agency for g in self.grants if g.agency)

    def holds(self, role: str, unit_id: int) -> bool:
        return any(g.role == role and g.unit_id == unit_id for g in self.grants)

    def grant_in(self, unit_id: int) -> Grant | None:
        return next((g for g in self.grants if g.unit_id == unit_id), None)

    @property
    def home(self) -> Grant | None:
        """The grant whose unit and agency sign this officer's actions by default."""
        return next((g for g in self.grants if g.unit_id is not None), None)
