"""Server-rendered web pages (Jinja2), calling the same services as the API.

``create_app`` includes :data:`router`; the pages read ``app.state.guidelines``
and ``app.state.db`` (see :mod:`refcore.web.deps`). One module per resource in
``refcore.web.views``; templates and the one stylesheet ship as package data.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

__all__ = ["create_router", "router"]


def create_router() -> APIRouter:
    from refcore.web.deps import load_actor
    from refcore.web.views import (
        auth,
        guidelines,
        home,
        products,
        profile,
        results,
        scoring,
        vendors,
        verdicts,
    )

    # every page knows who is looking (the header shows it)
    router = APIRouter(include_in_schema=False, dependencies=[Depends(load_actor)])
    for module in (home, auth, guidelines, results, vendors, products, profile, scoring, verdicts):
        router.include_router(module.router)
    return router


router = create_router()
