"""Agencies' own wording of their messages: listed, previewed with sample values before
saving, saved (an event), or put back to the default.

A template may use only the placeholders a message fills (`notify.rules.PLACEHOLDERS`):
one naming anything else ({nik}, {pin}, a typo) is refused naming the field, so no
template can ask for personal data the outbox never gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from layan.accounts import queries as accounts
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.core.events import record_agency_event
from layan.notify import rules
from layan.notify.models import Message, MessageTemplate

LANGUAGES = ("id", "en")
SUBJECT_MOST, BODY_MOST = 200, 2000
# What a preview fills the placeholders with: a made-up application, never a real one.
SAMPLE = {
    "number": "K7QM-8XPT-3RAB",
    "service": "Penerbitan KTP-el Baru",
    "agency": "DISDUKCAPIL",
    "outcome": "disetujui",
    "reason": "Foto KK kurang jelas; mohon unggah ulang",
    "link": "https://layan.example.go.id/lacak/K7QM8XPT3RAB",
    "due": "12 Juni 2026",
}


@dataclass(frozen=True)
class Wording:
    kind: str
    language: str
    subject: str
    body: str
    own: bool  # the agency's own (else the default)


def wordings(
    uow: UnitOfWork, principal: Principal, agency: str | None
) -> tuple[str, list[Wording]]:
    """Every kind and language of the admin's agency: its own wording or the default."""
    agency = accounts.agency_for_admin(uow, principal, agency)
    stmt = select(MessageTemplate).where(MessageTemplate.agency == agency)
    own = {(t.kind, t.language): t for t in uow.session.execute(stmt).scalars()}
    found = []
    for kind in rules.EVENT_TYPES:
        for language in LANGUAGES:
            mine = own.get((kind, language))
            default = rules.DEFAULT_TEMPLATES[(kind, language)]
            source: Any = mine or default
            found.append(Wording(kind, language, source.subject, source.body, mine is not None))
    return agency, found


def wording(
    uow: UnitOfWork, principal: Principal, agency: str | None, kind: str, language: str
) -> tuple[str, Wording]:
    agency, every = wordings(uow, principal, agency)
    for w in every:
        if (w.kind, w.language) == (kind, language):
            return agency, w
    raise NotFoundError(
        Text("Jenis pesan tidak dikenal", "Unknown kind of message"), "template.not_found"
    )


def check(subject: str, body: str) -> list[FieldError]:
    """What is wrong with a wording, naming the field."""
    errors = []
    for field, text, most in (("subject", subject, SUBJECT_MOST), ("body", body, BODY_MOST)):
        if not text.strip() and field == "body":
            errors.append(
                _error(field, "required", "Isi pesan wajib diisi", "The text is required")
            )
        elif len(text) > most:
            errors.append(
                _error(
                    field,
                    "too_long",
                    f"Paling banyak {most} karakter",
                    f"At most {most} characters",
                )
            )
        try:
            unknown = rules.unknown_placeholders(text)
        except ValueError:
            errors.append(
                _error(
                    field,
                    "braces",
                    "Kurung kurawal tidak berpasangan: tulis {{ dan }} untuk kurung biasa",
                    "Unbalanced braces: write {{ and }} for a literal brace",
                )
            )
            continue
        if unknown:
            allowed = ", ".join("{" + p + "}" for p in rules.PLACEHOLDERS)
            errors.append(
                _error(
                    field,
                    "placeholder",
                    f"Isian tidak dikenal: {', '.join(unknown)}; yang boleh: {allowed}",
                    f"Unknown placeholders: {', '.join(unknown)}; allowed: {allowed}",
                )
            )
    return errors


def _error(field: str, code: str, id_text: str, en_text: str) -> FieldError:
    return FieldError(field, f"template.{code}", Text(id_text, en_text))


def preview(subject: str, body: str) -> rules.Template:
    """The wording filled with sample values; ValidationFailedError when it cannot be."""
    errors = check(subject, body)
    if errors:
        raise ValidationFailedError(
            Text("Templat belum benar", "The template is not right yet"), "invalid", errors
        )
    return rules.render(rules.Template(subject, body), SAMPLE)


def save_wording(
    db: Database,
    principal: Principal,
    agency: str | None,
    kind: str,
    language: str,
    subject: str,
    body: str,
) -> str:
    """Keep the agency's wording of a kind (messages made from now on use it); the agency."""
    preview(subject, body)
    with db.unit_of_work() as uow:
        agency, _before = wording(uow, principal, agency, kind, language)
        _drop(uow, agency, kind, language)
        uow.session.add(
            MessageTemplate(
                agency=agency,
                kind=kind,
                language=language,
                subject=subject.strip(),
                body=body.strip(),
                updated_at=uow.now(),
                updated_by=principal.officer_id,
            )
        )
        _log(uow, principal, agency, "message template saved", kind, language)
        uow.commit()
        return agency


def reset_wording(
    db: Database, principal: Principal, agency: str | None, kind: str, language: str
) -> str:
    """Put a kind back to the default wording; the agency."""
    with db.unit_of_work() as uow:
        agency, _before = wording(uow, principal, agency, kind, language)
        _drop(uow, agency, kind, language)
        _log(uow, principal, agency, "message template reset", kind, language)
        uow.commit()
        return agency


def _drop(uow: UnitOfWork, agency: str, kind: str, language: str) -> None:
    uow.session.execute(
        delete(MessageTemplate).where(
            MessageTemplate.agency == agency,
            MessageTemplate.kind == kind,
            MessageTemplate.language == language,
        )
    )


def _log(
    uow: UnitOfWork, principal: Principal, agency: str, activity: str, kind: str, language: str
) -> None:
    record_agency_event(
        uow.session,
        agency,
        activity,
        accounts.admin_actor(principal, agency),
        uow.now(),
        payload={"kind": kind, "language": language},
    )


def recent_messages(
    uow: UnitOfWork, principal: Principal, agency: str | None, limit: int = 50
) -> list[Message]:
    """The newest messages of the agency's cases, with their delivery status (for admins:
    the addresses are shown masked)."""
    agency = accounts.agency_for_admin(uow, principal, agency)
    stmt = select(Message).where(Message.agency == agency).order_by(Message.id.desc()).limit(limit)
    return list(uow.session.execute(stmt).scalars())


def masked(address: str) -> str:
    """An address as an admin sees it: enough to tell two apart, not to write to."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    if address.startswith("http"):
        return address
    return f"{address[:4]}****{address[-2:]}" if len(address) > 6 else "****"
