"""RefStack v1 ``/v1/guidelines``: the list, a raw file, a target's test list (text/plain)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from refcore.server.deps import GuidelinesDep
from refcore.server.routing import Route
from refcore.services import guidelines as svc

router = APIRouter(prefix="/v1/guidelines", tags=["v1 guidelines"], route_class=Route)


@router.get("", summary="Guideline files, grouped (powered + one group per add-on)")
@router.get("/", include_in_schema=False)
def list_guidelines(gs: GuidelinesDep) -> dict[str, list[dict[str, str]]]:
    return svc.list_v1(gs)


@router.get("/{name}", summary="The raw JSON of one guideline file")
def guideline_file(name: str, gs: GuidelinesDep) -> Any:
    return svc.guideline_file(gs, name)


@router.get("/{version}/tests", response_class=PlainTextResponse, summary="A target's test list")
def tests(version: str, request: Request, gs: GuidelinesDep) -> PlainTextResponse:
    q = request.query_params
    text = svc.test_list_text(
        gs,
        version,
        target=q.get("target"),
        types=q.get("type"),
        alias=q.get("alias"),
        flag=q.get("flag"),
    )
    return PlainTextResponse(text)
