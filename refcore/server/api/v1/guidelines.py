"""RefStack v1 ``/v1/guidelines``: the list, a raw file, a target's test list (text/plain).

Each answer carries an ``ETag`` (a digest of its bytes, so a new guideline set gives a
new one) and is a 304 to a client revalidating with it (:mod:`refcore.server.conditional`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from refcore.server.conditional import conditional
from refcore.server.deps import GuidelinesDep
from refcore.server.routing import Route
from refcore.services import guidelines as svc

router = APIRouter(prefix="/v1/guidelines", tags=["v1 guidelines"], route_class=Route)


@router.get("", summary="Guideline files, grouped (powered + one group per add-on)")
@router.get("/", include_in_schema=False)
def list_guidelines(request: Request, gs: GuidelinesDep) -> Response:
    return _json(request, svc.list_v1(gs))


@router.get("/{name}", summary="The raw JSON of one guideline file")
def guideline_file(name: str, request: Request, gs: GuidelinesDep) -> Response:
    return _json(request, svc.guideline_file(gs, name))


def _json(request: Request, data: Any) -> Response:
    # the bytes FastAPI would send for ``data``, with validators
    return conditional(request, bytes(JSONResponse(data).body), "application/json")


@router.get("/{version}/tests", response_class=PlainTextResponse, summary="A target's test list")
def tests(version: str, request: Request, gs: GuidelinesDep) -> Response:
    q = request.query_params
    text = svc.test_list_text(
        gs,
        version,
        target=q.get("target"),
        types=q.get("type"),
        alias=q.get("alias"),
        flag=q.get("flag"),
    )
    return conditional(request, text.encode(), "text/plain; charset=utf-8")
