"""Recording questionnaires: at the end of an application, at a unit's counter, and on paper.

Each recorded questionnaire, and each paper import, is an event in the owning agency's
ledger (case type `survey`), written in the same transaction; the payload carries no
personal data and no scores.

The use cases live in submodules by topic: `ended_cases` (the questionnaire of an ended
application or a closed complaint), `walk_in` (at a unit's counter), `paper_import` (paper
questionnaires from a CSV), `follow_up` (follow-up actions and who may take them), and
`_recording` (what the ways of recording share). This module re-exports what callers use.
"""

from __future__ import annotations

from layan.surveys.service._recording import SurveyReceipt
from layan.surveys.service.ended_cases import answer_for_application, answer_for_complaint
from layan.surveys.service.follow_up import (
    check_follow_up_actor,
    check_follow_up_reader,
    close_action,
    create_action,
    follow_up_agencies,
    follow_up_role,
)
from layan.surveys.service.paper_import import import_paper
from layan.surveys.service.walk_in import answer_walk_in

__all__ = [
    "SurveyReceipt",
    "answer_for_application",
    "answer_for_complaint",
    "answer_walk_in",
    "check_follow_up_actor",
    "check_follow_up_reader",
    "close_action",
    "create_action",
    "follow_up_agencies",
    "follow_up_role",
    "import_paper",
]
