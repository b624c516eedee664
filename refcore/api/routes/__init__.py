"""One APIRouter per resource; ``ROUTERS`` is what ``create_app`` includes."""

from __future__ import annotations

from fastapi import APIRouter

from refcore.api.routes import v1_guidelines, v1_profile, v1_results

ROUTERS: list[APIRouter] = [v1_results.router, v1_guidelines.router, v1_profile.router]

__all__ = ["ROUTERS"]
