"""Reads of the satisfaction survey: the index for a unit, service or agency, and suggestions.

The index is computed by `rules.compute_ikm` from the stored questionnaires of a period
(local dates, inclusive), beside the number of people served in it: applications that
reached a final status then (`applications.queries.finished_count`). Walk-in and paper
questionnaires count as responses but never as people served, since Layan does not see
those visits; an agency that serves people outside Layan gives its own count (`served`).

One submodule a topic: `index` (the IKM of a scope and period),
`questionnaires` (what a form asks, and whether a case or a source may answer),
`published` (the published report's heading, overview and sources), `follow_up` (the
follow-up actions), `tallies` (questionnaires in stored order, for running totals),
and `_shared` (scopes and periods). This module re-exports what callers use.
"""

from __future__ import annotations

from layan.surveys.queries._shared import Scope, local_today, resolve_scope
from layan.surveys.queries.follow_up import (
    ActionView,
    action_view,
    actions_by_source,
    agency_actions,
    agency_units,
    get_action,
    scope_actions,
)
from layan.surveys.queries.index import IkmReport, ikm_report, scope_report
from layan.surveys.queries.published import (
    AgencyOverview,
    LowScore,
    SuggestionSource,
    find_response,
    ikm_overview,
    low_score_responses,
    scope_info,
    suggestion_sources,
)
from layan.surveys.queries.questionnaires import (
    ApplicationSurvey,
    UnitSurvey,
    application_survey,
    batch_imported,
    has_response,
    recent_from_source,
    survey_invitation,
    unit_services,
    unit_survey,
)
from layan.surveys.queries.tallies import (
    StoredScores,
    last_scores_id,
    scores_after,
    scores_by_ids,
)

__all__ = [
    "ActionView",
    "AgencyOverview",
    "ApplicationSurvey",
    "IkmReport",
    "LowScore",
    "Scope",
    "StoredScores",
    "SuggestionSource",
    "UnitSurvey",
    "action_view",
    "actions_by_source",
    "agency_actions",
    "agency_units",
    "application_survey",
    "batch_imported",
    "find_response",
    "get_action",
    "has_response",
    "ikm_overview",
    "ikm_report",
    "last_scores_id",
    "scores_after",
    "scores_by_ids",
    "local_today",
    "low_score_responses",
    "recent_from_source",
    "resolve_scope",
    "scope_actions",
    "scope_info",
    "scope_report",
    "suggestion_sources",
    "survey_invitation",
    "unit_services",
    "unit_survey",
]
