"""The permission matrix of docs/security.md, tried through the API on both databases.

Each row is a demo account holding one role; each column an action. The table below IS
the matrix: keep it and the table in docs/security.md saying the same thing.

Cases (all made through the API):
- own:    an application owned by the account's agency (a KTP-el for DISDUKCAPIL)
- other:  an application of an agency that takes no part (an SKCK of POLRES)
- shared: a PBG (owned by DPMPTSP) past its first step, so its PUPR steps are open and it
          is shared with PUPR
- decide own:     a task waiting in the account's own unit and role
- decide foreign: a task waiting in another agency's unit
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import officer_for, sign_in, submit

SMALL = {"floor_area_m2": 120}
NA = None  # the account has no such case (PUPR owns no service; platform roles no unit)

# account: (role, read own, read other, read shared, decide own, decide foreign)
MATRIX: dict[str, tuple[str, int | None, int, int, int | None, int]] = {
    "citizen (PIN)": ("citizen", 200, 404, 404, NA, 401),
    "disdukcapil-loket": ("front_desk", 200, 404, 404, 200, 403),
    "disdukcapil-pendaftaran": ("processor", 200, 404, 404, 200, 403),
    "disdukcapil-kabid": ("approver", 200, 404, 404, 200, 403),
    "disdukcapil-kepala": ("supervisor", 200, 404, 404, 403, 403),
    "disdukcapil-pengaduan": ("complaint_handler", 200, 404, 404, 403, 403),
    "disdukcapil-admin": ("agency_admin", 200, 404, 404, 403, 403),
    "pupr-tpt": ("processor", NA, 404, 200, 200, 403),
    "admin": ("platform_admin", NA, 200, 200, NA, 403),
    "auditor": ("auditor", NA, 200, 200, NA, 403),
}
# The unit whose waiting task counts as "own" for each account that has one.
OWN_UNIT = {
    "disdukcapil-loket": "DISDUKCAPIL.LOKET",
    "disdukcapil-pendaftaran": "DISDUKCAPIL.PENDAFTARAN",
    "disdukcapil-kabid": "DISDUKCAPIL.KABID",
    "disdukcapil-kepala": "DISDUKCAPIL.LOKET",
    "disdukcapil-pengaduan": "DISDUKCAPIL.LOKET",
    "disdukcapil-admin": "DISDUKCAPIL.LOKET",
    "pupr-tpt": "PUPR.TPT",
}
KTP_STEPS = [
    ("DISDUKCAPIL.LOKET", "front_desk"),
    ("DISDUKCAPIL.PENDAFTARAN", "processor"),
    ("DISDUKCAPIL.KABID", "approver"),
]


class Cases:
    """Applications made through the API, and the open tasks to decide."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seed = 100
        self.ktp, self.ktp_pin = self._submit("ktp-el-baru")
        self.skck, _ = self._submit("skck")
        self.pbg = self.pbg_at_pupr()

    def _submit(self, code: str, **extra: Any) -> tuple[str, str]:
        self.seed += 1
        response = submit(self.client, code, seed=self.seed, **extra)
        assert response.status_code == 201, response.text
        return response.json()["tracking_number"], response.json()["pin"]

    def open_task(self, number: str, unit: str) -> int:
        steps = self.client.get(f"/api/v1/applications/{number}").json()["steps"]
        return next(
            s["task_id"] for s in steps if s["unit"] == unit and s["status"] in ("open", "claimed")
        )

    def _approve(self, number: str, unit: str, role: str) -> None:
        response = self.client.post(
            f"/api/v1/tasks/{self.open_task(number, unit)}/decision",
            headers=sign_in(self.client, officer_for(unit, role)),
            json={"outcome": "approve"},
        )
        assert response.status_code == 200, response.text

    def pbg_at_pupr(self) -> str:
        number, _ = self._submit("pbg", data=SMALL)
        self._approve(number, "DPMPTSP.FO", "front_desk")
        return number

    def ktp_at(self, unit: str) -> str:
        number, _ = self._submit("ktp-el-baru")
        for step_unit, role in KTP_STEPS:
            if step_unit == unit:
                return number
            self._approve(number, step_unit, role)
        raise AssertionError(unit)

    def task_for(self, account: str) -> int:
        """A fresh task in the account's unit (a decision that succeeds moves its case)."""
        unit = OWN_UNIT[account]
        number = self.pbg_at_pupr() if unit.startswith("PUPR") else self.ktp_at(unit)
        return self.open_task(number, unit)


def _read(client: TestClient, headers: dict[str, str], number: str) -> int:
    return client.get(f"/api/v1/officer/applications/{number}", headers=headers).status_code


def _decide(client: TestClient, headers: dict[str, str], task_id: int) -> int:
    return client.post(
        f"/api/v1/tasks/{task_id}/decision", headers=headers, json={"outcome": "approve"}
    ).status_code


def _citizen_row(client: TestClient, cases: Cases) -> tuple[Any, ...]:
    def tracked(number: str) -> int:
        return client.get(
            f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": cases.ktp_pin}
        ).status_code

    foreign = cases.open_task(cases.pbg, "PUPR.TPT")
    return ("citizen", tracked(cases.ktp), tracked(cases.skck), tracked(cases.pbg), NA,
            _decide(client, {}, foreign))  # fmt: skip


def test_every_role_may_do_exactly_what_the_matrix_says(client: TestClient) -> None:
    cases = Cases(client)
    own_case = {a: cases.ktp for a in OWN_UNIT if a.startswith("disdukcapil")}
    other_case = {"pupr-tpt": cases.ktp}
    seen: dict[str, tuple[Any, ...]] = {"citizen (PIN)": _citizen_row(client, cases)}
    for account, (role, *_rest) in MATRIX.items():
        if account == "citizen (PIN)":
            continue
        headers = sign_in(client, account)
        foreign_unit = "DISDUKCAPIL.LOKET" if account.startswith("pupr") else "PUPR.TPT"
        foreign_case = cases.ktp_at(foreign_unit) if account.startswith("pupr") else cases.pbg
        own = own_case.get(account)
        seen[account] = (
            role,
            _read(client, headers, own) if own else NA,
            _read(client, headers, other_case.get(account, cases.skck)),
            _read(client, headers, cases.pbg),
            _decide(client, headers, cases.task_for(account)) if account in OWN_UNIT else NA,
            _decide(client, headers, cases.open_task(foreign_case, foreign_unit)),
        )
    assert seen == MATRIX


def test_the_shared_case_is_listed_for_the_agency_of_its_step_only(client: TestClient) -> None:
    cases = Cases(client)
    listed = {
        account: cases.pbg
        in [
            a["tracking_number"]
            for a in client.get("/api/v1/applications", headers=sign_in(client, account)).json()
        ]
        for account in ("pupr-tpt", "bapenda-retribusi", "disdukcapil-loket", "auditor")
    }
    # BAPENDA's step has not opened yet: the case is not shared with it until it does.
    assert listed == {
        "pupr-tpt": True,
        "bapenda-retribusi": False,
        "disdukcapil-loket": False,
        "auditor": True,
    }
