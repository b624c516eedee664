"""A capability's history across guidelines (:func:`refcore.services.capabilities.history`);
linked from every row of a guideline's matrix."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from refcore.server import downloads
from refcore.server.deps import GuidelinesDep
from refcore.server.rendering import render
from refcore.server.routing import Route
from refcore.services import capabilities

router = APIRouter(route_class=Route)


@router.get("/capabilities/{name}", response_class=HTMLResponse, name="web.capability")
def capability(
    request: Request, name: str, gs: GuidelinesDep, format: str | None = None
) -> Response:
    """``?format=json``: the whole history; ``?format=csv``: one row per guideline."""
    fmt = downloads.wanted(format)
    found = capabilities.history(gs, name)
    rows: list[list[Any]] = [
        ["guideline", "guideline_status", "target", "status", "tests", "flagged", "score", "star"]
    ]
    for e in found.entries:
        for target, status in e.statuses.items():
            rows.append(
                [
                    e.guideline,
                    e.guideline_status,
                    target,
                    status,
                    e.tests,
                    e.flagged,
                    e.score,
                    e.reaches_cutoff,
                ]
            )
    download = downloads.answer(fmt, f"capability-{name}", asdict(found), rows)
    if download is not None:
        return download
    return render(request, "capabilities/history.html", {"title": f"Capability {name}", "h": found})
