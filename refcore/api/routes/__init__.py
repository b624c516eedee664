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
    v2_runs,
)

ROUTERS: list[APIRouter] = [
    v1_results.router,
    v1_guidelines.router,
    v1_profile.router,
    v1_vendors.router,
    v1_products.router,
    v2_runs.router,
    v2_catalog.router,
]

__all__ = ["ROUTERS"]
