"""One APIRouter per resource; ``ROUTERS`` is what ``create_app`` includes."""

from __future__ import annotations

from fastapi import APIRouter

from refcore.api.routes import (
    v1_guidelines,
    v1_products,
    v1_profile,
    v1_results,
    v1_vendors,
    v2_catalog,
    v2_diff,
    v2_runs,
    v2_scoring,
    v2_usage,
    v2_verdicts,
    v2_whatif,
)

ROUTERS: list[APIRouter] = [
    v1_results.router,
    v1_guidelines.router,
    v1_profile.router,
    v1_vendors.router,
    v1_products.router,
    v2_runs.router,
    v2_catalog.router,
    v2_diff.router,
    v2_scoring.router,
    v2_whatif.router,
    v2_usage.router,
    v2_verdicts.router,
]

__all__ = ["ROUTERS"]
