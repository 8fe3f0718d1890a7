"""The officers' side of complaints: verify, ask, forward, archive, dispose, follow up,
resolve, settle appeals; and the sweep that marks missed deadlines and escalates them.

Each use case checks who may act (`rules.may_act`) and what the status allows
(`rules.next_status`) before it changes anything, and writes its events in the same
transaction, in the ledger of the agency that acted. Reasons officers write are kept on
the complaint's updates; the events carry only their SHA-256.

The use cases live in submodules by topic: `verification` (accept, ask for more,
archive), `forwarding` (to another agency, or outside Layan), `unit_work` (disposition,
follow-up, resolution, appeals), `sweep` (missed deadlines), and `_shared` (what they
share). This module re-exports what callers use.
"""

from __future__ import annotations

from layan.complaints.service.forwarding import forward_complaint
from layan.complaints.service.sweep import sweep_complaint_deadlines
from layan.complaints.service.unit_work import (
    decide_appeal,
    dispose_to_unit,
    post_follow_up,
    resolve_complaint,
)
from layan.complaints.service.verification import (
    archive_complaint,
    ask_for_information,
    verify_complaint,
)

__all__ = [
    "archive_complaint",
    "ask_for_information",
    "decide_appeal",
    "dispose_to_unit",
    "forward_complaint",
    "post_follow_up",
    "resolve_complaint",
    "sweep_complaint_deadlines",
    "verify_complaint",
]
