"""Pure rules of complaints: statuses, transitions, deadlines, privacy, who may act, PINs.

The lifecycle is SP4N-LAPOR!'s (Perpres 76/2013): verification within 3 working days,
disposition to the responsible unit, a follow-up within 5 working days, resolution within
the tier's working days, then the reporter's response; a poor rating or a missed deadline
opens an appeal to the unit's supervisor with its own deadline. What a complaint may
contain (text, place, files, the reporter) is checked in `checks.py`.

No database and no web here: these functions are the specification, tested directly.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from layan.applications.rules import (
    format_tracking_number,
    new_tracking_number,
    normalise_tracking_number,
)
from layan.complaints.categories import BY_CODE, CATEGORIES, Category
from layan.core.access import Grant, Principal
from layan.core.calendar import WorkingCalendar
from layan.core.errors import FieldError, InvalidStateError, Text, ValidationFailedError

__all__ = [
    "CATEGORIES",
    "format_tracking_number",
    "new_tracking_number",
    "normalise_tracking_number",
]


class Kind:
    """What the reporter sends, as SP4N-LAPOR! names it."""

    COMPLAINT = "pengaduan"
    ASPIRATION = "aspirasi"
    INFORMATION = "permintaan_informasi"
    ALL = (COMPLAINT, ASPIRATION, INFORMATION)


class Privacy:
    """Who may see the report and who may see the reporter."""

    PUBLIC = "public"  # report and reporter's name in public
    ANONYMOUS = "anonymous"  # report in public; the reporter hidden even from the agency
    CONFIDENTIAL = "confidential"  # not public at all; the agency knows the reporter
    ALL = (PUBLIC, ANONYMOUS, CONFIDENTIAL)


class Status:
    """Where a complaint stands; each status is open or closed (Open311's two states)."""

    SUBMITTED = "submitted"  # waiting for verification
    NEEDS_INFO = "needs_info"  # the verifier asked the reporter for more; clock stopped
    VERIFIED = "verified"  # accepted, waiting for disposition to a unit
    IN_PROGRESS = "in_progress"  # disposed to the responsible unit
    FOLLOWED_UP = "followed_up"  # the unit posted its follow-up (tindak lanjut)
    RESOLVED = "resolved"  # resolved with proof; the reporter may accept or appeal
    APPEALED = "appealed"  # a poor rating or a missed deadline: with the supervisor
    CLOSED = "closed"  # accepted, settled on appeal, or no response in time
    FORWARDED = "forwarded"  # not our authority: sent to a body outside Layan
    ARCHIVED = "archived"  # spam, out of scope, or the reporter never answered
    DUPLICATE = "duplicate"  # the same problem as another complaint

    ORDER = (
        SUBMITTED,
        NEEDS_INFO,
        VERIFIED,
        IN_PROGRESS,
        FOLLOWED_UP,
        RESOLVED,
        APPEALED,
        CLOSED,
        FORWARDED,
        ARCHIVED,
        DUPLICATE,
    )


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.NEEDS_INFO,
        Status.VERIFIED,
        Status.IN_PROGRESS,
        Status.FOLLOWED_UP,
        Status.APPEALED,
    }
)
CLOSED_STATUSES = frozenset(Status.ORDER) - OPEN_STATUSES
# Settled for good: nothing moves these any more.
FINAL_STATUSES = frozenset({Status.CLOSED, Status.FORWARDED, Status.ARCHIVED, Status.DUPLICATE})


# FixMyStreet's (and Open311 implementers') richer names for the same states.
FIXMYSTREET: dict[str, str] = {
    Status.SUBMITTED: "FOR_TRIAGE",
    Status.NEEDS_INFO: "FOR_TRIAGE",
    Status.VERIFIED: "OPEN",
    Status.IN_PROGRESS: "INVESTIGATING",
    Status.FOLLOWED_UP: "ACTION_SCHEDULED",
    Status.RESOLVED: "FIXED",
    Status.APPEALED: "REOPEN",
    Status.CLOSED: "CLOSED",
    Status.FORWARDED: "NOT_COUNCILS_RESPONSIBILITY",
    Status.ARCHIVED: "NO_FURTHER_ACTION",
    Status.DUPLICATE: "DUPLICATE",
}


def open_or_closed(status: str) -> str:
    """ "open" or "closed": a resolved complaint counts as closed, as Open311 reads it."""
    if status in OPEN_STATUSES:
        return "open"
    if status in CLOSED_STATUSES:
        return "closed"
    raise ValueError(f"unknown complaint status {status!r}")


# --- transitions ------------------------------------------------------------------------


class Action:
    """Everything that moves a complaint, by officers, the reporter or the sweep."""

    VERIFY = "verify"
    ASK_MORE = "ask_more"
    ADD_INFO = "add_info"  # reporter
    FORWARD = "forward"  # to another agency in Layan: it verifies anew
    FORWARD_OUT = "forward_out"  # to a body outside Layan
    ARCHIVE = "archive"
    MARK_DUPLICATE = "mark_duplicate"
    DISPOSE = "dispose"
    FOLLOW_UP = "follow_up"
    RESOLVE = "resolve"
    ACCEPT = "accept"  # reporter
    APPEAL = "appeal"  # reporter's poor rating
    UPHOLD = "uphold"  # supervisor: the resolution stands
    REOPEN = "reopen"  # supervisor: back to the unit with new deadlines
    DEADLINE_MISSED = "deadline_missed"  # sweep: a missed follow-up or resolution
    NO_REPLY = "no_reply"  # sweep: the reporter never gave what was asked
    NO_RESPONSE = "no_response"  # sweep: the reporter never responded to the resolution


_TRIAGE = (Status.SUBMITTED, Status.NEEDS_INFO, Status.VERIFIED)
_WORKING = (Status.IN_PROGRESS, Status.FOLLOWED_UP, Status.APPEALED)

TRANSITIONS: dict[str, dict[str, str]] = {
    Action.VERIFY: {Status.SUBMITTED: Status.VERIFIED},
    Action.ASK_MORE: {Status.SUBMITTED: Status.NEEDS_INFO},
    Action.ADD_INFO: {Status.NEEDS_INFO: Status.SUBMITTED},
    Action.FORWARD: dict.fromkeys(_TRIAGE, Status.SUBMITTED),
    Action.FORWARD_OUT: dict.fromkeys(_TRIAGE, Status.FORWARDED),
    Action.ARCHIVE: dict.fromkeys(_TRIAGE, Status.ARCHIVED),
    Action.MARK_DUPLICATE: dict.fromkeys(_TRIAGE, Status.DUPLICATE),
    Action.DISPOSE: {Status.VERIFIED: Status.IN_PROGRESS, Status.IN_PROGRESS: Status.IN_PROGRESS},
    Action.FOLLOW_UP: {
        Status.IN_PROGRESS: Status.FOLLOWED_UP,
        Status.FOLLOWED_UP: Status.FOLLOWED_UP,
        Status.APPEALED: Status.APPEALED,
    },
    Action.RESOLVE: dict.fromkeys(_WORKING, Status.RESOLVED),
    Action.ACCEPT: {Status.RESOLVED: Status.CLOSED},
    Action.APPEAL: {Status.RESOLVED: Status.APPEALED},
    Action.UPHOLD: {Status.APPEALED: Status.CLOSED},
    Action.REOPEN: {Status.APPEALED: Status.IN_PROGRESS},
    Action.DEADLINE_MISSED: {
        Status.VERIFIED: Status.APPEALED,
        Status.IN_PROGRESS: Status.APPEALED,
        Status.FOLLOWED_UP: Status.APPEALED,
        Status.APPEALED: Status.APPEALED,
    },
    Action.NO_REPLY: {Status.NEEDS_INFO: Status.ARCHIVED},
    Action.NO_RESPONSE: {Status.RESOLVED: Status.CLOSED},
}


def next_status(status: str, action: str) -> str:
    """The status after `action`; InvalidStateError (409) when the status does not allow it."""
    target = TRANSITIONS.get(action, {}).get(status)
    if target is None:
        raise InvalidStateError(
            Text(
                "Pengaduan dalam status ini tidak dapat diproses dengan cara itu",
                "A complaint in this status cannot be handled that way",
            ),
            f"complaint.{action}.not_allowed",
        )
    return target


def allowed_actions(status: str) -> tuple[str, ...]:
    """The actions a complaint in `status` allows, in the order of the lifecycle."""
    return tuple(a for a, moves in TRANSITIONS.items() if status in moves)


# --- deadlines --------------------------------------------------------------------------

VERIFICATION_DAYS = 3
FOLLOW_UP_DAYS = 5
APPEAL_DAYS = 14  # the supervisor's time to settle an appeal
INFO_DAYS = 10  # the reporter's time to give what the verifier asked
RESPONSE_DAYS = 10  # the reporter's time to respond to a resolution; silence closes it
# Local resolution tiers in working days; Perpres 76/2013 caps the whole at 60.
TIERS: dict[str, int] = {"minor": 2, "normative": 5, "investigation": 14, "audit": 60}
TIER_NAMES: dict[str, Text] = {
    "minor": Text("Ringan (2 hari kerja)", "Minor (2 working days)"),
    "normative": Text("Normatif (5 hari kerja)", "Normative (5 working days)"),
    "investigation": Text("Perlu investigasi (14 hari kerja)", "Investigation (14 working days)"),
    "audit": Text("Perlu audit (60 hari kerja)", "Audit (60 working days)"),
}
STAGE_DAYS: dict[str, int] = {
    "verification": VERIFICATION_DAYS,
    "follow_up": FOLLOW_UP_DAYS,
    "appeal": APPEAL_DAYS,
    "info": INFO_DAYS,
    "response": RESPONSE_DAYS,
}


def deadline(
    calendar: WorkingCalendar, start: datetime, stage: str, tier: str | None = None
) -> datetime:
    """The close of business of the stage's last working day (a tier's, for "resolution")."""
    if stage == "resolution":
        if tier not in TIERS:
            raise ValueError(f"unknown resolution tier {tier!r}")
        days = TIERS[tier]
    else:
        days = STAGE_DAYS[stage]
    return calendar.add_working_days(start, days)


def current_deadline(
    status: str,
    *,
    verify: datetime | None,
    follow_up: datetime | None,
    followed_up: bool,
    resolution: datetime | None,
    appeal: datetime | None,
) -> tuple[str, datetime] | None:
    """The stage the agency must meet next and its deadline; None when it is not its turn."""
    candidates: list[tuple[str, datetime | None]] = []
    if status == Status.SUBMITTED:
        candidates = [("verification", verify)]
    elif status in (Status.VERIFIED, Status.IN_PROGRESS):
        candidates = [("follow_up", None if followed_up else follow_up), ("resolution", resolution)]
    elif status == Status.FOLLOWED_UP:
        candidates = [("resolution", resolution)]
    elif status == Status.APPEALED:
        candidates = [("appeal", appeal)]
    found = [(stage, at) for stage, at in candidates if at is not None]
    return min(found, key=lambda pair: pair[1]) if found else None


# UU 25/2009: a complaint is filed within 30 days of receiving the service. Later ones
# are still heard, and flagged so the officer knows.
FILING_WINDOW = timedelta(days=30)


def filed_late(service_ended_at: datetime | None, now: datetime) -> bool:
    return service_ended_at is not None and now - service_ended_at > FILING_WINDOW


def check_tier(tier: object) -> str:
    if isinstance(tier, str) and tier in TIERS:
        return tier
    raise _invalid(
        "tier", "tier.unknown", Text("Tingkat penyelesaian tidak dikenal", "Unknown tier")
    )


# --- privacy ----------------------------------------------------------------------------


def is_public(privacy: str) -> bool:
    """A confidential report is never public; the other two are."""
    return privacy != Privacy.CONFIDENTIAL


def reporter_shown_to_agency(privacy: str) -> bool:
    """An anonymous reporter is hidden from every officer, the agency's and the auditor's."""
    return privacy != Privacy.ANONYMOUS


def reporter_shown_to_public(privacy: str) -> bool:
    return privacy == Privacy.PUBLIC


def public_name(name: str | None) -> str | None:
    """How a public reporter is named in public: the first name and an initial ("Siti R.")."""
    words = (name or "").split()
    if not words:
        return None
    return words[0] if len(words) == 1 else f"{words[0]} {words[1][0].upper()}."


def check_privacy_change(current: str, new: object, *, by_reporter: bool) -> str:
    """The reporter may choose any privacy; a verifier may only make a public report stricter.

    A verifier never loosens what the reporter chose, and never turns an anonymous report
    confidential, since that would show the agency who the reporter is.
    """
    if not isinstance(new, str) or new not in Privacy.ALL:
        raise _invalid(
            "privacy", "privacy.unknown", Text("Pilihan privasi tidak dikenal", "Unknown privacy")
        )
    if by_reporter or new == current or current == Privacy.PUBLIC:
        return new
    raise _invalid(
        "privacy",
        "privacy.looser",
        Text(
            "Petugas hanya dapat memperketat privasi laporan publik",
            "An officer can only make a public report more private",
        ),
    )


# --- who may act --------------------------------------------------------------------------

HANDLER_ACTIONS = frozenset(
    {
        Action.VERIFY,
        Action.ASK_MORE,
        Action.FORWARD,
        Action.FORWARD_OUT,
        Action.ARCHIVE,
        Action.MARK_DUPLICATE,
        Action.DISPOSE,
    }
)
UNIT_ACTIONS = frozenset({Action.FOLLOW_UP, Action.RESOLVE})
SUPERVISOR_ACTIONS = frozenset({Action.UPHOLD, Action.REOPEN})


def handler_grant(principal: Principal, agency: str) -> Grant | None:
    """The principal's complaint handler grant in a unit of `agency`, if they hold one."""
    return next(
        (g for g in principal.grants if g.role == "complaint_handler" and g.agency == agency),
        None,
    )


def handled_agencies(principal: Principal) -> set[str]:
    """The agencies whose complaints the principal handles."""
    return {g.agency for g in principal.grants if g.role == "complaint_handler" and g.agency}


def handles(principal: Principal, agency: str) -> bool:
    """The principal holds the complaint handler role in a unit of `agency`."""
    return handler_grant(principal, agency) is not None


def may_act(principal: Principal, action: str, agency: str, unit_id: int | None) -> bool:
    """Whether an officer may take `action` on a complaint of `agency` disposed to `unit_id`.

    The agency's complaint handlers triage and dispose; the unit's officers (and the
    handlers) follow up and resolve; the unit's supervisor settles appeals.
    """
    if action in HANDLER_ACTIONS:
        return handles(principal, agency)
    if action in UNIT_ACTIONS:
        return handles(principal, agency) or (unit_id is not None and unit_id in principal.unit_ids)
    if action in SUPERVISOR_ACTIONS:
        return unit_id is not None and principal.holds("supervisor", unit_id)
    return False


# --- the reporter's PIN and response --------------------------------------------------


def complaint_pin(secret: str, tracking_number: str) -> str:
    """The six-digit PIN that opens a complaint for its reporter, derived, never stored.

    A different prefix from applications' PIN, so one never opens the other.
    """
    mac = hmac.new(secret.encode(), f"complaint-pin:{tracking_number}".encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 1_000_000:06d}"


def pin_matches(secret: str, tracking_number: str, pin: str | None) -> bool:
    return pin is not None and hmac.compare_digest(complaint_pin(secret, tracking_number), pin)


POOR_RATING = 2  # a rating of 1 or 2 (out of 5) is an appeal
REPORTER_APPEALS = 1  # after one appeal, a poor rating closes: the Ombudsman is next


def check_rating(rating: object) -> int:
    if isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5:
        return rating
    raise _invalid(
        "rating", "rating.range", Text("Nilai harus 1 sampai 5", "The rating must be 1 to 5")
    )


def is_poor_rating(rating: int | None) -> bool:
    """A rating of 1 or 2: it appeals the resolution, or sends the reporter to the Ombudsman."""
    return rating is not None and rating <= POOR_RATING


def ombudsman_next(status: str, rating: int | None) -> bool:
    """Closed on a poor rating: the reporter may take the complaint to the Ombudsman."""
    return status == Status.CLOSED and is_poor_rating(rating)


def response_action(rating: int, appeals_so_far: int) -> str:
    """What the reporter's rating does: accept, or appeal while an appeal is left."""
    if is_poor_rating(rating) and appeals_so_far < REPORTER_APPEALS:
        return Action.APPEAL
    return Action.ACCEPT


def check_appeal_outcome(outcome: object, *, has_resolution: bool) -> str:
    """A supervisor upholds a resolution (closing it) or reopens the complaint.

    An appeal opened by a missed deadline has no resolution to uphold: it can only be
    reopened (or resolved by the unit).
    """
    if outcome not in (Action.UPHOLD, Action.REOPEN):
        raise _invalid(
            "outcome",
            "outcome.unknown",
            Text("Keputusan harus uphold atau reopen", "The outcome must be uphold or reopen"),
        )
    if outcome == Action.UPHOLD and not has_resolution:
        raise _invalid(
            "outcome",
            "outcome.nothing_to_uphold",
            Text(
                "Belum ada penyelesaian untuk dikuatkan; buka kembali pengaduan ini",
                "There is no resolution to uphold; reopen the complaint",
            ),
        )
    return str(outcome)


# --- categories and the regency's bounds ----------------------------------------------

# Kabupaten Suka Maju, the demo regency (fictional, in West Java): a complaint's point
# must fall inside this box, since the regency's agencies answer only for their land.
REGENCY_BOUNDS = (-7.2, -6.6, 107.2, 108.0)  # south, north, west, east (degrees)
# Two open complaints of one category this close (metres) are probably the same problem.
DUPLICATE_RADIUS_M = 200.0


def find_category(code: object) -> Category | None:
    return BY_CODE.get(code) if isinstance(code, str) else None


def route(category: str) -> str:
    """The unit (AGENCY.UNIT) a new complaint of `category` goes to."""
    found = find_category(category)
    if found is None:
        raise ValueError(f"unknown complaint category {category!r}")
    return found.unit


ARCHIVE_REASONS: dict[str, Text] = {
    "spam": Text("Spam atau tidak bermakna", "Spam or meaningless"),
    "out_of_scope": Text(
        "Di luar lingkup pelayanan publik (legislatif, pidana, korupsi: ada salurannya)",
        "Outside public service (legislative, criminal, corruption: they have channels)",
    ),
    "incomplete": Text("Tidak dapat ditindaklanjuti: kurang lengkap", "Too incomplete to act on"),
    "no_reply": Text(
        "Pelapor tidak melengkapi dalam waktunya", "The reporter did not reply in time"
    ),
}


def _invalid(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Isian tidak sah", "Invalid input"), "invalid", [FieldError(field, code, text)]
    )
