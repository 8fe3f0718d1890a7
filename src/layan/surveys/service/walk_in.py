"""The walk-in questionnaire at a unit's counter, reached through the unit's survey link.

Anyone may answer, so answers are limited per source: an HMAC of the address and the day,
never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, Text, TooManyRequestsError, ValidationFailedError
from layan.core.events import CITIZEN, Actor, Ledger
from layan.surveys import queries, rules
from layan.surveys.models import CaseType, Channel
from layan.surveys.service._recording import SurveyReceipt, _log, _response, _store

# Walk-in questionnaires one source (address, per day) may send to one unit in an hour.
WALK_IN_LIMIT = 5
WALK_IN_WINDOW = timedelta(hours=1)


# --- walk-in, at a unit's counter --------------------------------------------------


def source_hash(secret: str, address: str, day: date) -> str:
    """An HMAC of the client's address and the day: a source to limit, never the address.

    The day is in the hash so that sources cannot be followed from one day to the next;
    the hourly limit therefore starts afresh at local midnight, when counters are closed.
    """
    message = f"survey-source:{day.isoformat()}:{address}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _walk_in_service(
    uow: UnitOfWork, unit: str, value: object
) -> tuple[str | None, list[FieldError]]:
    """The service a walk-in respondent chose; required when the unit has services."""
    offered = dict(queries.unit_services(uow, unit))
    chosen = value.strip() if isinstance(value, str) else ""
    if chosen and chosen in offered:
        return chosen, []
    if not chosen and not offered:
        return None, []
    code = "service.unknown" if chosen else "service.required"
    text = (
        Text("Layanan ini tidak dilayani unit ini", "This unit does not serve this service")
        if chosen
        else Text("Pilih layanan yang Anda terima", "Choose the service you received")
    )
    return None, [FieldError("service", code, text)]


def _lock_agency(uow: UnitOfWork, agency: str) -> None:
    """Serialise walk-in answers of one agency, so the rate limit holds under concurrency."""
    uow.session.execute(select(Ledger).where(Ledger.agency == agency).with_for_update())


def answer_walk_in(
    db: Database, *, unit_code: str, raw: Mapping[str, object], address: str, secret: str
) -> SurveyReceipt:
    """A walk-in respondent's questionnaire through a unit's survey link.

    At most WALK_IN_LIMIT per unit from one source in WALK_IN_WINDOW (429 after), the
    source being an HMAC of the address and the day. 404 for an unknown unit, 422 naming
    every problem (the service is one of the unit's, when it has any).
    """
    fields = dict(raw)
    chosen = fields.pop("service", None)
    with db.unit_of_work() as uow:
        unit = catalogue.get_unit(uow, unit_code)
        full, agency, tz = unit.full_code, unit.agency.code, unit.agency.tz
        now, today = uow.now(), queries.local_today(uow, tz)
        source = source_hash(secret, address, today)
        _lock_agency(uow, agency)
        if queries.recent_from_source(uow, full, source, now - WALK_IN_WINDOW) >= WALK_IN_LIMIT:
            raise TooManyRequestsError(
                Text(
                    "Terlalu banyak survei dari perangkat ini dalam satu jam. Coba lagi nanti.",
                    "Too many surveys from this device within an hour. Please try again later.",
                ),
                "survey.rate_limited",
            )
        service, errors = _walk_in_service(uow, full, chosen)
        try:
            answers = rules.check_answers(fields, require_all=True)
        except ValidationFailedError as exc:
            raise ValidationFailedError(exc.text, exc.code, errors + exc.errors) from None
        if errors:
            raise ValidationFailedError(
                Text("Jawaban survei belum benar", "The survey answers are not valid"),
                "invalid",
                errors,
            )
        response = _response(
            uow,
            answers,
            case_type=CaseType.WALK_IN,
            case_id=None,
            agency=agency,
            unit=full,
            service=service,
            answered_on=today,
            channel=Channel.COUNTER,
            source_hash=source,
        )
        _store(uow, response)
        _log(uow, response, Actor(CITIZEN, "respondent", unit=full, agency=agency))
        uow.commit()
        return SurveyReceipt(response.id, service, rules.low_scores(answers))
