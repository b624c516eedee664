"""Every error response, built in one place.

* ``/v2`` (and anything not under ``/v1``): one envelope, :func:`error_body`:
  ``{"ok": false, "error": "<message>", "errors": ["<detail>", ...], "status": N}``.
* ``/v1``: RefStack's two shapes, so RefStack clients read them as before. A
  "raised" error (400 validation, 404 not found, 409 duplicate) is
  ``{"title": "<message>", "code": N}``; an "abort" (401, 403, 413, 415, 5xx) is
  ``{"code": N, "title": "<reason phrase>", "detail": "<message>"}``.

A :class:`~refcore.errors.RefcoreError` carries its status; one handler maps them all.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from refcore.errors import RefcoreError

__all__ = ["error_body", "error_response", "install_error_handlers", "v1_error_body"]

log = logging.getLogger("refcore.api")
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


def error_response(
    path: str, status: int, message: str, errors: list[str] | None = None
) -> JSONResponse:
    if is_v1(path):
        body = v1_error_body(status, message)
    else:  # v2 always says something: an empty message becomes the reason phrase
        body = error_body(status, message or _phrase(status), errors)
    return JSONResponse(body, status_code=status)


async def _refcore_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RefcoreError)
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request.url.path, exc.status, exc.message, exc.errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = error_response(request.url.path, exc.status_code, message)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        f"{'/'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    ]
    message = "Invalid request: " + (errors[0] if errors else "bad parameters")
    return error_response(request.url.path, 400, message, errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request.url.path, 500, "Internal Server Error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RefcoreError, _refcore_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
