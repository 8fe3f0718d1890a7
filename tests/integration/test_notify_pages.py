"""The agency admin's message pages: wording previewed before saving, refused when it asks
for what no message gives, used by the next messages; the newest messages with status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.core.db import Database
from layan.notify.models import Message
from layan.notify.service import run_outbox
from layan.settings import Settings
from layan.worker import notifier_for
from tests.factories import submit
from tests.pages import by_id, check_page, csrf, get_page, sign_in_page, text_of

PAGE = "/petugas/admin/pesan/submitted/id?instansi=DISDUKCAPIL"


def test_an_admin_previews_saves_and_the_next_message_uses_the_wording(
    client: TestClient, db: Database, settings: Settings
) -> None:
    sign_in_page(client, "disdukcapil-admin")
    page = get_page(client, PAGE)
    assert "{number}" in text_of(by_id(page, "tpl-body"))
    assert text_of(by_id(page, "preview-subject")) == "Permohonan K7QM-8XPT-3RAB diterima"
    wording = {"subject": "Nomor {number} kami terima", "body": "Terima kasih. {link}"}
    preview = client.post(
        "/petugas/admin/pesan/submitted/id",
        data={"csrf_token": csrf(page), "instansi": "DISDUKCAPIL", "aksi": "pratinjau", **wording},
    )
    shown = check_page(preview.text)
    assert preview.status_code == 200
    assert text_of(by_id(shown, "preview-subject")) == "Nomor K7QM-8XPT-3RAB kami terima"
    with db.unit_of_work(readonly=True) as uow:  # a preview saves nothing
        assert uow.session.execute(select(Message)).first() is None
    refused = client.post(
        "/petugas/admin/pesan/submitted/id",
        data={
            "csrf_token": csrf(page),
            "instansi": "DISDUKCAPIL",
            "aksi": "simpan",
            "subject": "PIN {pin}",
            "body": "NIK {nik} {number:>999}",
        },
    )
    assert refused.status_code == 422
    errors = check_page(refused.text)
    assert by_id(errors, "preview") is None  # nothing is previewed that cannot be sent
    assert "pin" in refused.text and "nik" in refused.text and "number:&gt;999" in refused.text
    saved = client.post(
        "/petugas/admin/pesan/submitted/id",
        data={"csrf_token": csrf(page), "instansi": "DISDUKCAPIL", "aksi": "simpan", **wording},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    listed = get_page(client, saved.headers["location"])
    assert "Nomor {number} kami terima" in text_of(by_id(listed, "wordings"))
    answer = submit(client, "ktp-el-baru")
    assert answer.status_code == 201
    run_outbox(db, notifier_for(settings))
    with db.unit_of_work(readonly=True) as uow:
        (message,) = uow.session.execute(select(Message)).scalars()
    number = answer.json()["tracking_number"]
    assert message.subject == f"Nomor {number[:4]}-{number[4:8]}-{number[8:]} kami terima"
    recent = get_page(client, "/petugas/admin/pesan?instansi=DISDUKCAPIL")
    row = text_of(by_id(recent, "recent-messages"))
    assert "Terkirim" in row and "***@" in row  # the address masked
    reset = client.post(
        "/petugas/admin/pesan/submitted/id",
        data={"csrf_token": csrf(page), "instansi": "DISDUKCAPIL", "aksi": "bawaan"},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    assert "Bawaan" in text_of(by_id(get_page(client, "/petugas/admin/pesan"), "wordings"))


def test_another_agencys_admin_cannot_read_or_change_the_wording(client: TestClient) -> None:
    sign_in_page(client, "dinkes-admin")
    page = get_page(client, "/petugas/admin/pesan")
    assert "DINKES" in text_of(page.find(".//{http://www.w3.org/1999/xhtml}h1"))
    other = client.get(PAGE)
    assert other.status_code == 403
