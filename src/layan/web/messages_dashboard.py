"""The words of the public performance dashboard (kinerja) and the figures agencies enter."""

from __future__ import annotations

DASHBOARD: dict[str, tuple[str, str]] = {}
