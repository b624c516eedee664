"""A capability's history across guidelines (:func:`refcore.services.capabilities.history`);
linked from every row of a guideline's matrix."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from refcore.server.deps import GuidelinesDep
from refcore.server.rendering import render
from refcore.server.routing import Route
from refcore.services import capabilities

router = APIRouter(route_class=Route)


@router.get("/capabilities/{name}", response_class=HTMLResponse, name="web.capability")
def capability(request: Request, name: str, gs: GuidelinesDep) -> HTMLResponse:
    found = capabilities.history(gs, name)
    return render(request, "capabilities/history.html", {"title": f"Capability {name}", "h": found})
