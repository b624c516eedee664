"""``/docs``: Swagger UI over ``/openapi.json``, served from this site only.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script, which
the Content-Security-Policy (:mod:`refcore.server.headers`) forbids. Here the page, the
Swagger UI files (shipped by the ``fastapi-offline`` package) and the script that starts
it (``static/apidocs.js``) all come from this server. ReDoc is not served: it injects
inline styles.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from refcore.errors import NotFound
from refcore.server.rendering import env
from refcore.server.routing import Route

__all__ = ["router"]

#: Swagger UI's files, as the fastapi-offline package ships them
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")

router = APIRouter(include_in_schema=False, route_class=Route)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    html = env.get_template("apidocs.html").render(
        title=f"{request.app.title} API", openapi_url=request.app.openapi_url
    )
    return HTMLResponse(html)


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in SERVED:
        raise NotFound(f"No file {name} here")
    return FileResponse(ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})
