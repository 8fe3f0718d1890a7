"""The published satisfaction report (laporan SKM/IKM) and its follow-up actions.

Public: `/ikm` lists every agency, unit and service with the year's index; `/ikm?agency=
|unit=|service=&tahun=&periode=&ke=` is one scope's report as a page that prints on A4,
and `/ikm.csv` and `/ikm.pdf` are the same report as downloads. Officers: `/petugas/ikm`
shows the same report with the suggestions' sources, where an agency admin or a
supervisor turns a suggestion, a questionnaire scored 1 or a weak element into a
follow-up action (tindak lanjut), and `/petugas/ikm/tindak-lanjut` lists the actions to
close. Who may act is decided in `surveys.service`.

One router, in `_shared` with what the pages share (the query string, the report read and
shaped); the pages register on it from submodules by topic: `public` (the overview, a
report, its CSV and PDF), `officer_view` (sources, and making a follow-up action) and
`actions` (the list of actions, and closing one). They are imported below in the order
their routes were declared, since FastAPI matches paths in that order.
"""

from __future__ import annotations

from layan.surveys.report_pages._shared import router

# Importing the pages registers their routes, in the order they were declared.
# isort: off
from layan.surveys.report_pages import public  # noqa: F401
from layan.surveys.report_pages import officer_view  # noqa: F401
from layan.surveys.report_pages import actions  # noqa: F401
# isort: on

__all__ = ["router"]
