"""An officer's password and switching officers off, on both databases.

An officer changes their own password on the page; an operator sets one, resets the
second factor, and switches officers off and on from the command line; an agency admin
switches the officers of the agency's units off and on from the admin page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from layan.accounts import second_factor
from layan.accounts import service as accounts
from layan.accounts.models import ApiToken, Officer
from layan.audit import verify_audit_chain
from layan.cli import app as cli
from layan.core.db import Database
from layan.core.errors import AuthenticationError
from layan.core.events import Event
from tests.conftest import SECRET
from tests.factories import PASSWORD
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of

OFFICER = "disdukcapil-loket"
ADMIN = "disdukcapil-admin"
PAGE = "/petugas/akun/kata-sandi"
NEW_PASSWORD = "kopi-tubruk-pagi-42"


# --- helpers ---------------------------------------------------------------------------


def _officer(db: Database, username: str) -> Officer:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(select(Officer).where(Officer.username == username)).scalar_one()


def _events(db: Database, officer_id: int) -> list[Event]:
    """The officer's account events but the second factor's, oldest first."""
    with db.unit_of_work(readonly=True) as uow:
        return list(
            uow.session.execute(
                select(Event)
                .where(
                    Event.case_type == "officer",
                    Event.case_id == str(officer_id),
                    Event.activity.not_like("second factor%"),
                    Event.activity != "officer created",
                )
                .order_by(Event.id)
            ).scalars()
        )


def _token_count(db: Database, officer_id: int) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return len(
            uow.session.execute(select(ApiToken.id).where(ApiToken.officer_id == officer_id)).all()
        )


def _page_sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    form = get_page(client, "/petugas/masuk")
    return client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": username, "password": password},
        follow_redirects=False,
    )


def _api_sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"Accept-Language": "en"},
    )


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    response = _api_sign_in(client, username)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _change(
    client: TestClient, current: str, new: str, again: str | None = None, lang: str = "id"
) -> Response:
    form = get_page(client, PAGE)
    return client.post(
        PAGE,
        data={
            "csrf_token": csrf(form),
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
        headers={"Accept-Language": lang},
        follow_redirects=False,
    )


def _field_errors(response: Response) -> dict[str, str]:
    """The error shown beside each field of the refused form, by the field's id."""
    document = check_page(response.text)
    return {
        (e.get("id") or "").removesuffix("-error"): text_of(e)
        for e in find_all(document, "span")
        if "field-error" in (e.get("class") or "")
    }


# --- an officer's own change -----------------------------------------------------------


def test_an_officer_changes_their_password_and_their_other_sessions_end(
    client: TestClient, db: Database
) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    with TestClient(client.app) as other_browser:
        assert _page_sign_in(other_browser, OFFICER).status_code == 303
        api = _bearer(client, OFFICER)
        officer = _officer(db, OFFICER)
        assert _token_count(db, officer.id) == 3

        response = client.get(PAGE)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert " style=" not in response.text and "<script>" not in response.text
        form = check_page(response.text)
        assert {i.get("autocomplete") for i in find_all(form, "input")} >= {
            "current-password",
            "new-password",
        }

        changed = _change(client, PASSWORD, NEW_PASSWORD)
        assert changed.status_code == 303, changed.text[:500]
        assert changed.headers["location"] == f"{PAGE}?pesan=diubah"
        confirmation = get_page(client, changed.headers["location"])
        assert text_of(by_id(confirmation, "password-changed"))

        # This session goes on; the other browser and the API token are signed out.
        assert client.get("/petugas").status_code == 200
        assert other_browser.get("/petugas", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=api).status_code == 401
    assert _token_count(db, officer.id) == 1

    assert _api_sign_in(client, OFFICER).status_code == 401  # the old password
    assert _api_sign_in(client, OFFICER, NEW_PASSWORD).status_code == 200

    events = _events(db, officer.id)
    assert [e.activity for e in events] == ["password changed"]
    assert events[0].ledger == "DISDUKCAPIL" and events[0].role == "front_desk"
    assert events[0].payload == {"by": "self", "tokens_revoked": 2}
    stored = json.dumps(events[0].payload)
    assert NEW_PASSWORD not in stored and PASSWORD not in stored
    assert verify_audit_chain(db)[1] == []


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(
    client: TestClient, db: Database
) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    api = _bearer(client, OFFICER)
    before = _officer(db, OFFICER).password_hash

    wrong = _change(client, "not-the-password", NEW_PASSWORD, lang="en")
    assert wrong.status_code == 422
    assert _field_errors(wrong) == {"current-password": "The current password is wrong"}
    assert 'href="#current-password"' in wrong.text
    assert NEW_PASSWORD not in wrong.text and "not-the-password" not in wrong.text
    indonesian = _change(client, "not-the-password", NEW_PASSWORD)
    assert _field_errors(indonesian) == {"current-password": "Kata sandi saat ini salah"}

    assert _officer(db, OFFICER).password_hash == before
    assert client.get("/api/v1/me", headers=api).status_code == 200  # no session ended
    assert _events(db, _officer(db, OFFICER).id) == []

    # Two wrong so far: three more lock the username, for the page and the sign-in alike.
    assert [_change(client, "nope-nope-nope", NEW_PASSWORD).status_code for _ in range(3)] == [
        422,
        422,
        422,
    ]
    locked = _change(client, PASSWORD, NEW_PASSWORD, lang="en")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "current-password" in locked.text
    assert _api_sign_in(client, OFFICER).status_code == 429
    assert _officer(db, OFFICER).password_hash == before


@pytest.mark.parametrize(
    ("new", "again", "field", "message"),
    [
        ("pendek", "pendek", "new-password", "at least 10 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new-password-again", "differ"),
        (OFFICER.upper(), OFFICER.upper(), "new-password", "must not be the username"),
        (PASSWORD, PASSWORD, "new-password", "must differ from the current one"),
    ],
)
def test_a_new_password_that_breaks_a_rule_is_refused_beside_its_field(
    client: TestClient, db: Database, new: str, again: str, field: str, message: str
) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    api = _bearer(client, OFFICER)
    before = _officer(db, OFFICER).password_hash

    refused = _change(client, PASSWORD, new, again, lang="en")
    assert refused.status_code == 422
    errors = _field_errors(refused)
    assert list(errors) == [field] and message in errors[field]
    assert 'aria-invalid="true"' in refused.text

    assert _officer(db, OFFICER).password_hash == before
    assert client.get("/api/v1/me", headers=api).status_code == 200
    assert _events(db, _officer(db, OFFICER).id) == []
    assert _api_sign_in(client, OFFICER).status_code == 200  # a right password: no lockout


def test_the_form_needs_its_token_and_a_signed_in_officer(client: TestClient) -> None:
    fields = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.get(PAGE, follow_redirects=False).status_code == 303  # to the sign-in page
    assert _page_sign_in(client, OFFICER).status_code == 303
    assert client.post(PAGE, data={**fields, "new_password_again": NEW_PASSWORD}).status_code == (
        403
    )
    assert _api_sign_in(client, OFFICER, NEW_PASSWORD).status_code == 401


def test_the_second_factor_page_links_to_the_password_page(client: TestClient) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    page = get_page(client, "/petugas/akun/verifikasi")
    assert PAGE in [a.get("href") for a in find_all(page, "a")]


# --- the operator's commands -----------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    copy = tmp_path / "layan.db"
    copy.write_bytes(sqlite_base.read_bytes())
    monkeypatch.setenv("LAYAN_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)
    return Database(f"sqlite:///{copy}")


def _token(db: Database, username: str = OFFICER, password: str = PASSWORD) -> str:
    return accounts.issue_token(db, username=username, password=password, minutes=60)


def _works(db: Database, token: str) -> bool:
    try:
        with db.unit_of_work(readonly=True) as uow:
            accounts.principal_for_token(uow, token)
    except AuthenticationError:
        return False
    return True


def test_an_operator_sets_a_password_and_every_session_ends(cli_db: Database) -> None:
    tokens = [_token(cli_db), _token(cli_db)]
    short = runner.invoke(cli, ["officers", "set-password", OFFICER], input="pendek\npendek\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    assert all(_works(cli_db, t) for t in tokens)
    same = runner.invoke(
        cli, ["officers", "set-password", OFFICER], input=f"{OFFICER}\n{OFFICER}\n"
    )
    assert same.exit_code == 1 and "username" in same.stderr

    done = runner.invoke(
        cli, ["officers", "set-password", OFFICER], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert NEW_PASSWORD not in done.output
    assert not any(_works(cli_db, t) for t in tokens)
    with pytest.raises(AuthenticationError):
        _token(cli_db)
    assert _works(cli_db, _token(cli_db, password=NEW_PASSWORD))

    officer = _officer(cli_db, OFFICER)
    events = _events(cli_db, officer.id)
    assert [e.activity for e in events] == ["password reset"]
    assert events[0].resource == "system"
    assert events[0].payload == {"by": "operator", "tokens_revoked": 2}
    unknown = runner.invoke(
        cli, ["officers", "set-password", "no-such-officer"], input=f"{NEW_PASSWORD}\n" * 2
    )
    assert unknown.exit_code == 1 and "no-such-officer" in unknown.stderr
    cli_db.dispose()


def test_resetting_the_second_factor_ends_every_session(cli_db: Database) -> None:
    token = _token(cli_db)
    second_factor.enable_for(cli_db, OFFICER)
    assert _works(cli_db, token)
    reset = runner.invoke(cli, ["officers", "totp-reset", OFFICER])
    assert reset.exit_code == 0, reset.output
    assert not _works(cli_db, token)
    officer = _officer(cli_db, OFFICER)
    assert officer.totp_secret is None
    assert _token_count(cli_db, officer.id) == 0
    with cli_db.unit_of_work(readonly=True) as uow:
        last = (
            uow.session.execute(
                select(Event).where(Event.case_id == str(officer.id)).order_by(Event.id.desc())
            )
            .scalars()
            .first()
        )
    assert last is not None and last.activity == "second factor reset"
    assert last.payload == {"factor": "totp", "by": "operator", "tokens_revoked": 1}
    cli_db.dispose()


def test_an_operator_switches_an_officer_off_and_on(cli_db: Database) -> None:
    token = _token(cli_db)
    off = runner.invoke(cli, ["officers", "deactivate", OFFICER])
    assert off.exit_code == 0 and "inactive" in off.stdout
    assert not _works(cli_db, token)
    with pytest.raises(AuthenticationError):
        _token(cli_db)
    again = runner.invoke(cli, ["officers", "deactivate", OFFICER])
    assert again.exit_code == 0 and "nothing changed" in again.stdout

    on = runner.invoke(cli, ["officers", "activate", OFFICER])
    assert on.exit_code == 0 and "active" in on.stdout
    assert _works(cli_db, _token(cli_db))
    officer = _officer(cli_db, OFFICER)
    assert [(e.activity, e.payload) for e in _events(cli_db, officer.id)] == [
        ("officer deactivated", {"tokens_revoked": 1}),
        ("officer activated", {}),
    ]
    unknown = runner.invoke(cli, ["officers", "activate", "no-such-officer"])
    assert unknown.exit_code == 1 and "no-such-officer" in unknown.stderr
    cli_db.dispose()


# --- the agency admin ------------------------------------------------------------------


def _switch(
    client: TestClient, officer_id: int, active: bool, agency: str = "DISDUKCAPIL"
) -> Response:
    admin = get_page(client, f"/petugas/admin?instansi={agency}")
    return client.post(
        "/petugas/admin/petugas/status",
        data={
            "csrf_token": csrf(admin),
            "instansi": agency,
            "officer_id": str(officer_id),
            "active": "1" if active else "0",
        },
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )


def _status_forms(client: TestClient, agency: str = "DISDUKCAPIL") -> dict[str, str]:
    """The switch each officer row of the admin page offers, by username."""
    page = get_page(client, f"/petugas/admin?instansi={agency}")
    found = {}
    for row in find_all(page, "tr"):
        username = row.get("data-officer")
        if username:
            buttons = find_all(row, "button")
            found[username] = text_of(buttons[0]) if buttons else ""
    return found


def test_an_agency_admin_switches_an_officer_off_and_on_again(
    client: TestClient, db: Database
) -> None:
    officer = _officer(db, OFFICER)
    with TestClient(client.app) as officers_browser:
        assert _page_sign_in(officers_browser, OFFICER).status_code == 303
        api = _bearer(client, OFFICER)
        assert _page_sign_in(client, ADMIN).status_code == 303
        forms = _status_forms(client)
        assert forms[OFFICER] == "Nonaktifkan" and forms[ADMIN] == ""  # no switch for oneself

        off = _switch(client, officer.id, active=False)
        assert off.status_code == 303, off.text[:500]
        assert by_id(get_page(client, off.headers["location"]), "officer-switched") is not None
        assert officers_browser.get("/petugas", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=api).status_code == 401
    assert _api_sign_in(client, OFFICER).status_code == 401
    assert _token_count(db, officer.id) == 0
    assert _status_forms(client)[OFFICER] == "Aktifkan"

    on = _switch(client, officer.id, active=True)
    assert on.status_code == 303
    assert _api_sign_in(client, OFFICER).status_code == 200
    events = _events(db, officer.id)
    assert [(e.activity, e.role, e.agency) for e in events] == [
        ("officer deactivated", "agency_admin", "DISDUKCAPIL"),
        ("officer activated", "agency_admin", "DISDUKCAPIL"),
    ]
    assert events[0].payload == {"tokens_revoked": 2}
    assert verify_audit_chain(db)[1] == []


def test_an_agency_admin_cannot_switch_off_another_agencys_officer_or_themselves(
    client: TestClient, db: Database
) -> None:
    foreign = _officer(db, "pupr-tpt")
    own = _officer(db, ADMIN)
    assert _page_sign_in(client, ADMIN).status_code == 303
    assert _switch(client, foreign.id, active=False).status_code == 403
    admin_page = get_page(client, "/petugas/admin")
    refused = client.post(
        "/petugas/admin/petugas/status",
        data={
            "csrf_token": csrf(admin_page),
            "instansi": "PUPR",
            "officer_id": str(foreign.id),
            "active": "0",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert _officer(db, "pupr-tpt").active

    yourself = _switch(client, own.id, active=False)
    assert yourself.status_code == 409
    summary = by_id(check_page(yourself.text), "error-summary")
    assert "your own account" in text_of(summary)
    assert _officer(db, ADMIN).active
    assert client.get("/petugas/admin").status_code == 200  # still signed in
    assert _events(db, foreign.id) == [] and _events(db, own.id) == []

    # A front-desk officer is no admin at all.
    with TestClient(client.app) as clerk:
        assert _page_sign_in(clerk, OFFICER).status_code == 303
        form = get_page(clerk, "/petugas/akun/kata-sandi")
        forbidden = clerk.post(
            "/petugas/admin/petugas/status",
            data={"csrf_token": csrf(form), "officer_id": str(own.id), "active": "0"},
            follow_redirects=False,
        )
        assert forbidden.status_code == 403


def test_a_platform_admin_switches_off_an_officer_of_any_agency(
    client: TestClient, db: Database
) -> None:
    target = _officer(db, "pupr-tpt")
    assert _page_sign_in(client, "admin").status_code == 303
    off = _switch(client, target.id, active=False, agency="PUPR")
    assert off.status_code == 303
    assert not _officer(db, "pupr-tpt").active
    assert _api_sign_in(client, "pupr-tpt").status_code == 401
    assert [e.role for e in _events(db, target.id)] == ["platform_admin"]
