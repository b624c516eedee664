"""The route class of every web page: errors become an HTML page, not JSON.

The API's exception handlers answer with its JSON error shape; a person in a
browser should get a page that says what went wrong and where to go next. Doing
it in the route class keeps the app's handlers untouched and every view free of
try/except. A 401 on a page invites the visitor to log in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from refcore.errors import RefcoreError
from refcore.web.rendering import render

__all__ = ["WebRoute", "error_page"]

_TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "Already exists",
    413: "Too large",
    422: "That did not work",
}


def error_page(
    request: Request, status: int, message: str, errors: list[str] | None = None
) -> Response:
    title = _TITLES.get(status, "Something went wrong")
    return render(
        request,
        "error.html",
        {"title": title, "status": status, "message": message, "errors": errors or []},
        status=status,
    )


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RefcoreError as exc:
                return error_page(request, exc.status, exc.message, exc.errors)
            except RequestValidationError as exc:
                errors = [
                    f"{'/'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in exc.errors()
                ]
                return error_page(request, 400, "Some fields are missing or invalid.", errors)
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))

        return handle
