"""The documents issued on an application, as its applicant downloads them with the PIN."""

from __future__ import annotations

from layan.applications.queries import application_by_pin, pin_guard
from layan.core.db import Database
from layan.documents import queries as documents
from layan.documents.issue import Issuer, pdf_bytes


def output_pdf_for_applicant(
    db: Database, issuer: Issuer, number: str, output_id: str, pin: str, secret: str
) -> tuple[str, bytes]:
    """(document number, PDF) of an output of this application; wrong PINs are counted
    (`pin_guard`) and an output of another application is not found."""
    with pin_guard(db, number), db.unit_of_work(readonly=True) as uow:
        app = application_by_pin(uow, number, pin, secret)
        output = documents.get_output(uow, output_id)
        if output.application_id != app.id:
            raise documents.OUTPUT_NOT_FOUND
        found, name = output.id, output.number
    return name, pdf_bytes(db, issuer, found)
