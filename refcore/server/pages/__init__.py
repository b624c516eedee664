"""Server-rendered web pages (Jinja2), calling the same services as the API.

``create_app`` includes :data:`router`. One module per resource (its routes: read the request,
call :mod:`refcore.services`, :func:`~refcore.server.rendering.render` a template);
dependencies come from :mod:`refcore.server.deps` like the API's, errors from
:mod:`refcore.server.errors`. Templates, the stylesheet and the script ship as package data.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

__all__ = ["create_router", "router"]


def create_router() -> APIRouter:
    from refcore.server.deps import current_actor
    from refcore.server.pages import (
        auth,
        capabilities,
        certification,
        cloud_history,
        clouds,
        community,
        drafts,
        guidelines,
        home,
        products,
        profile,
        results,
        scoring,
        stakeholders,
        vendors,
        verdicts,
    )

    # every page knows who is looking (the header shows it)
    router = APIRouter(include_in_schema=False, dependencies=[Depends(current_actor)])
    for module in (
        home,
        auth,
        guidelines,
        drafts,
        results,
        vendors,
        products,
        profile,
        community,
        scoring,
        verdicts,
        certification,
        stakeholders,
        capabilities,
        cloud_history,
        clouds,
    ):
        router.include_router(module.router)
    return router


router = create_router()
