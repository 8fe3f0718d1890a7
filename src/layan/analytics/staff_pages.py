"""Agency staff's analysis of their services: bottlenecks and what-if simulation."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
