"""Refuse request bodies over their limit before they are read into memory: the app's
``max_body_bytes``, or a route's own lower cap (``@body_limit`` in
:mod:`refcore.server.routing`, set through :func:`lower_body_limit`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from typing import Any

from refcore.errors import PayloadTooLarge
from refcore.server.errors import error_body, is_v1, v1_error_body

__all__ = ["BodyLimit", "lower_body_limit"]

#: the limit of this request's body, in its ASGI scope (a route may lower it)
LIMIT_KEY = "refcore.body_limit"


def _message(max_bytes: int) -> str:
    return f"Request body too large: the limit is {max_bytes} bytes"


def _declared(scope: Mapping[str, Any]) -> int | None:
    value = dict(scope.get("headers") or []).get(b"content-length")
    return int(value) if value is not None and value.isdigit() else None


def lower_body_limit(scope: MutableMapping[str, Any], max_bytes: int) -> None:
    """A route's cap below the app's: a declared ``Content-Length`` over it is refused now
    (:class:`PayloadTooLarge`, answered in the asker's shape), a chunked body when the
    count passes it."""
    scope[LIMIT_KEY] = min(max_bytes, scope.get(LIMIT_KEY, max_bytes))
    declared = _declared(scope)
    if declared is not None and declared > scope[LIMIT_KEY]:
        raise PayloadTooLarge(_message(scope[LIMIT_KEY]))


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the limit gets 413 at once;
    a chunked body is counted as it arrives and the endpoint's read raises
    :class:`PayloadTooLarge` when it passes the limit. Whatever the app answers after
    that (FastAPI turns a failed read of a form or JSON body into its own 400 "There
    was an error parsing the body"), the client gets the 413."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[LIMIT_KEY] = self.max_bytes
        declared = _declared(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refuse(scope, send)
            return
        seen = 0
        exceeded = started = refused = False

        async def counted() -> dict[str, Any]:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > scope[LIMIT_KEY]:
                    exceeded = True
                    raise PayloadTooLarge(_message(scope[LIMIT_KEY]))
            return message  # type: ignore[no-any-return]

        async def guarded(message: dict[str, Any]) -> None:
            nonlocal started, refused
            if refused:  # the rest of the app's answer to a body it could not read
                return
            if message["type"] == "http.response.start":
                if exceeded:
                    refused = True
                    await self.refuse(scope, send)
                    return
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except PayloadTooLarge:
            if started or refused:
                raise
            await self.refuse(scope, send)

    async def refuse(self, scope: dict[str, Any], send: Any) -> None:
        """The 413 in the error shape of the path (v1's or the v2 envelope)."""
        path = scope.get("path", "")
        message = _message(scope.get(LIMIT_KEY, self.max_bytes))
        body = (v1_error_body if is_v1(path) else error_body)(413, message)
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
