"""Refuse request bodies over ``max_body_bytes`` before they are read into memory."""

from __future__ import annotations

import json
from typing import Any

from refcore.api.errors import error_body, is_v1, v1_error_body
from refcore.errors import PayloadTooLarge

__all__ = ["BodyLimit"]


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the limit gets 413 at once;
    a chunked body is counted as it arrives and the endpoint's read raises
    :class:`PayloadTooLarge` (mapped by the error handler) when it passes the limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def message(self) -> str:
        return f"Request body too large: the limit is {self.max_bytes} bytes"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            path = scope.get("path", "")
            body = (v1_error_body if is_v1(path) else error_body)(413, self.message())
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
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(self.message())
            return message  # type: ignore[no-any-return]

        await self.app(scope, counted, send)
