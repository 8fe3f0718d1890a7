"""Reads of complaints: the public list and page, the reporter's view, officers' queue and page.

Privacy is decided here, once, for every face that shows a complaint: a confidential
complaint is never public; an anonymous reporter is shown to no officer; a public
reporter is named in public only by first name and initial.

One submodule a topic: `tracking` (a complaint by its number and PIN), `views` (what
each audience is shown), `public` (the public and the reporter) and `officers`.
"""

from layan.complaints.queries.officers import (
    AttachmentRef,
    QueueRow,
    UnitChoice,
    attachment_for_officer,
    complaint_queue,
    officer_complaint,
    unit_choices,
    visible_to,
)
from layan.complaints.queries.public import (
    MAX_PAGE,
    PUBLIC_PAGE,
    PublicPage,
    list_categories,
    list_public_complaints,
    public_complaint,
    public_complaints,
    reporter_complaint,
    similar_complaints,
)
from layan.complaints.queries.tracking import (
    complaint_outcome,
    find_by_number,
    get_by_pin,
    not_found,
    pin_guard,
)
from layan.complaints.queries.views import ComplaintView, SimilarComplaint

__all__ = [
    "MAX_PAGE",
    "PUBLIC_PAGE",
    "AttachmentRef",
    "ComplaintView",
    "PublicPage",
    "QueueRow",
    "SimilarComplaint",
    "UnitChoice",
    "attachment_for_officer",
    "complaint_outcome",
    "complaint_queue",
    "find_by_number",
    "get_by_pin",
    "list_categories",
    "list_public_complaints",
    "not_found",
    "officer_complaint",
    "pin_guard",
    "public_complaint",
    "public_complaints",
    "reporter_complaint",
    "similar_complaints",
    "unit_choices",
    "visible_to",
]
