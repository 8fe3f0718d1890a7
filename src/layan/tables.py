"""Every table of Layan: importing this module makes `Base.metadata` whole, for the
migrations to compare against and for copying a database table by table."""

from __future__ import annotations

import layan.accounts.models
import layan.analytics.models
import layan.applications.models
import layan.catalogue.models
import layan.complaints.models
import layan.core.access_log
import layan.core.events
import layan.core.throttle
import layan.documents.models
import layan.notify.models
import layan.open311.models
import layan.surveys.models  # noqa: F401
from layan.core.db import Base

METADATA = Base.metadata
