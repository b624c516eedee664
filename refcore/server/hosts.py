"""Only the ``Host`` names this server is configured for are answered (``allowed_hosts``).

Starlette's ``TrustedHostMiddleware`` cuts the header at the first colon, which refuses
every IPv6 literal (``[::1]:8000``); this one parses the header as a URL authority.
Absolute URLs are built from ``Settings.public_url``, never from the request; refusing
other names as well keeps the rest (the request's own origin in the CSRF check, the "back"
link of error pages) on a name the operator chose.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from refcore.server.errors import json_error

__all__ = ["TrustedHosts", "host_allowed", "host_name"]

log = logging.getLogger("refcore.server")

#: refused names logged (once each) before the log falls silent
_LOGGED_MAX = 20


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header (``name``, ``name:port``, ``[v6]:port``), lower case,
    or None when it is not one."""
    if not header or any(c in header for c in "/?#@\\ \t"):
        return None
    try:
        parts = urlsplit("//" + header)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return None
    return parts.hostname or None


def host_allowed(name: str, patterns: list[str]) -> bool:
    """``name`` matches one of ``patterns``: exact, ``*.suffix`` (a subdomain), or ``*``."""
    for pattern in patterns:
        if pattern == "*" or pattern == name:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class TrustedHosts:
    """ASGI middleware: a request whose ``Host`` is not allowed gets 400 in the path's
    error shape (RefStack's under ``/v1``, the v2 envelope elsewhere) and reaches no route."""

    def __init__(self, app: ASGIApp, *, allowed: list[str]) -> None:
        self.app = app
        self.allowed = [p.lower().strip("[]") for p in allowed]
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan (the server has no websockets)
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("host", "")
        name = host_name(header)
        if name is not None and host_allowed(name, self.allowed):
            await self.app(scope, receive, send)
            return
        shown = header[:100]
        if shown not in self._logged and len(self._logged) < _LOGGED_MAX:
            self._logged.add(shown)
            log.warning(
                "refused Host %r: not in allowed_hosts %s (REFCORE_ALLOWED_HOSTS, REFCORE_API_URL)",
                shown,
                self.allowed,
            )
        response = json_error(
            scope.get("path", "/"),
            400,
            f"Invalid Host header {shown!r}: this server does not answer to that name",
        )
        await response(scope, receive, send)
