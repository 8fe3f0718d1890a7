"""The public performance dashboard (kinerja): every agency and service, and open data."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
