"""Reads of applications for the API and pages: tracking, full view, officers' queues.

One submodule a topic: `views` (one application, by number and PIN or for an officer),
`queues` (officers' lists and queues), `tasks` (one task and its documents),
`supervision` (supervisors' units), `outcomes` (how cases ended, for the survey) and
`access_log` (why an officer read, and who has read the applicant's data).
"""

from layan.applications.queries.access_log import (
    OfficerRead,
    access_log_for_applicant,
    officer_read,
)
from layan.applications.queries.drafts import (
    DraftView,
    draft_by_pin,
    find_draft,
    service_of,
    track_case,
    track_draft,
)
from layan.applications.queries.outcomes import case_outcome, finished_count
from layan.applications.queries.queues import (
    QUEUE_LIMIT,
    QUEUE_STATUSES,
    QueueCursor,
    QueuePage,
    list_applications,
    list_queue,
    next_task_for,
    officer_queue,
)
from layan.applications.queries.supervision import UnitOverview, supervised_units
from layan.applications.queries.tasks import (
    DocumentRef,
    TaskDetail,
    document_for_officer,
    evidence_for_officer,
    task_for_officer,
)
from layan.applications.queries.views import (
    application_by_pin,
    application_for_officer,
    pin_guard,
    track_application,
)
from layan.core.access_log import AccessEntry

__all__ = [
    "QUEUE_LIMIT",
    "QUEUE_STATUSES",
    "QueueCursor",
    "AccessEntry",
    "DraftView",
    "DocumentRef",
    "OfficerRead",
    "QueuePage",
    "TaskDetail",
    "UnitOverview",
    "access_log_for_applicant",
    "application_by_pin",
    "application_for_officer",
    "case_outcome",
    "draft_by_pin",
    "find_draft",
    "document_for_officer",
    "evidence_for_officer",
    "finished_count",
    "list_applications",
    "list_queue",
    "next_task_for",
    "officer_queue",
    "officer_read",
    "pin_guard",
    "supervised_units",
    "task_for_officer",
    "track_application",
    "track_draft",
    "track_case",
    "service_of",
]
