"""The checks every request passes before its route runs (one app-wide dependency):
no NUL in a path or query parameter (PostgreSQL cannot compare text with one; SQLite
would), and a JSON body that is not nested too deep and carries no ``\\u0000`` or lone
surrogate (see :func:`refcore.services.fields.json_problem`), unless the route's service
checks it itself (:func:`refcore.server.routing.checks_json_itself`: RefStack's upload, so
a 150 KB body is not scanned twice). The body is the one the
route reads next (Starlette keeps it on the request); a large one is scanned in a worker
thread, off the event loop.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import Request

from refcore.errors import InvalidInput
from refcore.server.errors import is_v1
from refcore.server.routing import json_checked_by_route
from refcore.services.fields import TOO_DEEP, json_problem

__all__ = ["check_request"]

_JSON_TYPES = ("application/json", "text/json")
_IN_LOOP = 64 * 1024  # bodies up to this size are scanned in the event loop (microseconds)


def _ctype(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def check_request(request: Request) -> None:
    params = [
        *(("path", k, v) for k, v in request.path_params.items()),
        *(("query", k, v) for k, v in request.query_params.multi_items()),
    ]
    for where, name, value in params:
        if isinstance(value, str) and "\x00" in value:
            bad = f"{where} parameter {name} contains a NUL character"
            raise InvalidInput(f"Invalid input: {bad}", errors=[bad])
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") or json_checked_by_route(request):
        return
    ctype = _ctype(request)
    if ctype and ctype not in _JSON_TYPES and not ctype.endswith("+json"):
        return
    body = await request.body()
    if not body or (not ctype and body.lstrip()[:1] not in (b"{", b"[")):
        return
    if len(body) <= _IN_LOOP:
        problem = json_problem(body)
    else:
        problem = await anyio.to_thread.run_sync(json_problem, body)
    if problem:
        # RefStack's words for a body its JSON parser cannot take; refcore's reason otherwise
        deep = problem == TOO_DEEP and is_v1(request.url.path)
        message = "Malformed request" if deep else f"Invalid input: {problem}"
        raise InvalidInput(message, errors=[problem])
