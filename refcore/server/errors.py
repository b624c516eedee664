"""Every error response of the server, built in one place, in the form the asker reads.

* A browser (its ``Accept`` puts ``text/html`` first), and any path outside ``/v1`` and
  ``/v2`` unless the client asks for JSON: an HTML page that says what went wrong, keeps the
  details, and links back to where the user came from (see :func:`_html`).
* ``/v2`` (and JSON elsewhere): one envelope, :func:`error_body`:
  ``{"ok": false, "error": "<message>", "errors": ["<detail>", ...], "status": N}``.
* ``/v1``: RefStack's two shapes, so RefStack clients read them as before. A
  "raised" error (400 validation, 404 not found, 409 duplicate) is
  ``{"title": "<message>", "code": N}``; an "abort" (401, 403, 413, 415, 5xx) is
  ``{"code": N, "title": "<reason phrase>", "detail": "<message>"}``.

A :class:`~refcore.errors.RefcoreError` carries its status; one handler maps them all.
Messages are made safe to echo (a lone surrogate in what the user sent cannot break them).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from refcore.errors import RefcoreError

__all__ = [
    "error_body",
    "error_response",
    "install_error_handlers",
    "json_error",
    "v1_error_body",
    "wants_html",
]

log = logging.getLogger("refcore.server")
_RAISED = (400, 404, 409)


def error_body(status: int, message: str, errors: list[str] | None = None) -> dict[str, Any]:
    """The one v2 error envelope."""
    return {"ok": False, "error": message, "errors": list(errors or []), "status": status}


def v1_error_body(status: int, message: str) -> dict[str, Any]:
    """RefStack's error shapes (see the module docstring)."""
    if status in _RAISED:
        return {"title": message, "code": status}
    return {"code": status, "title": _phrase(status), "detail": message}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def is_v1(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def is_api(path: str) -> bool:
    return is_v1(path) or path == "/v2" or path.startswith("/v2/")


def wants_html(request: Request) -> bool:
    """An HTML page for a browser, JSON for programs: by route and ``Accept``."""
    accept = request.headers.get("accept", "").lower()
    first = accept.split(",", 1)[0].split(";", 1)[0].strip()
    path = request.url.path
    browser_path = path.startswith("/v1/auth/")  # the login round trip is a browser's
    if not browser_path and (
        is_api(path) or path in ("/openapi.json", "/docs", "/redoc", "/metrics")
    ):
        return first == "text/html"
    return first != "application/json" and "application/json" not in accept.split(",", 1)[0]


def _safe(text: str) -> str:
    """Text that encodes: lone surrogates (from JSON ``\\ud800``) become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def error_response(
    request: Request, status: int, message: str, errors: list[str] | None = None
) -> Response:
    message = _safe(message)
    errors = [_safe(e) for e in errors or []]
    if wants_html(request):
        return _html(request, status, message, errors)
    return json_error(request.url.path, status, message, errors)


def json_error(
    path: str, status: int, message: str, errors: list[str] | None = None
) -> JSONResponse:
    """The JSON error of ``path``: RefStack's shape under ``/v1``, the envelope elsewhere."""
    if is_v1(path):
        body = v1_error_body(status, message)
    else:  # v2 always says something: an empty message becomes the reason phrase
        body = error_body(status, message or _phrase(status), errors)
    return JSONResponse(body, status_code=status)


def _html(request: Request, status: int, message: str, errors: list[str]) -> Response:
    from refcore.server.rendering import error_page

    return error_page(request, status, message, errors)


async def _refcore_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RefcoreError)
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, _safe(str(exc)))
    response = error_response(request, exc.status, exc.message, exc.errors)
    for key, value in getattr(exc, "headers", {}).items():
        response.headers[key] = value
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = error_response(request, exc.status_code, message)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        f"{'/'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    ]
    message = "Invalid request: " + (errors[0] if errors else "bad parameters")
    return error_response(request, 400, message, errors)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    try:
        return error_response(request, 500, "Internal Server Error")
    except Exception:  # the error page itself failed: still answer, plainly
        log.exception("the error page failed on %s %s", request.method, request.url.path)
        return json_error(request.url.path, 500, "Internal Server Error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RefcoreError, _refcore_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
