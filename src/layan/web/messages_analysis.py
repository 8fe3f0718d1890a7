"""The words of the staff's analysis pages: bottlenecks and what-if simulation of a procedure."""

from __future__ import annotations

ANALYSIS: dict[str, tuple[str, str]] = {}
