"""The home page (what a newcomer sees first) and the static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from refcore.errors import NotFound
from refcore.server.deps import GuidelinesDep, state
from refcore.server.rendering import render
from refcore.server.routing import Route

router = APIRouter(route_class=Route)
STATIC = (Path(__file__).resolve().parent.parent / "static").resolve()


@router.get("/", response_class=HTMLResponse, name="web.home")
def home(request: Request, gs: GuidelinesDep) -> HTMLResponse:
    latest = gs.latest_approved()
    add_ons = sorted({g.add_on for g in gs.of_kind("add-on") if g.add_on})
    return render(
        request,
        "home.html",
        {
            "title": "Home",
            "latest": latest,
            "count": len(gs),
            "add_ons": [gs.latest_approved(a) for a in add_ons],
            "base": state(request).settings.public_url,  # never the request's Host
        },
    )


@router.get("/static/{name:path}", include_in_schema=False)
def static(name: str) -> FileResponse:
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        raise NotFound(f"No static file {name}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=300"})
