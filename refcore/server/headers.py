"""Security headers on every answer of the server: pages, API, static files, ``/docs`` and
errors (the 500 page too: ``create_app`` puts :class:`SecurityHeaders` outside the whole stack).

The Content-Security-Policy allows scripts, styles, fonts and fetches from this site only,
with no inline script or style (templates use classes and ``static/refcore.js``; ``/docs``
runs Swagger UI from files shipped with the package), and no framing by anyone.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the favicon placeholder and the icons inside Swagger UI's stylesheet
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def security_headers(*, https: bool) -> list[tuple[str, str]]:
    """The headers every answer carries; HSTS only when the public URL is https."""
    headers = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),  # frame-ancestors for browsers that predate it
        # result ids in URLs are capabilities of private runs: never sent to other sites
        ("referrer-policy", "same-origin"),
        ("permissions-policy", "camera=(), geolocation=(), microphone=(), payment=(), usb=()"),
        ("cross-origin-opener-policy", "same-origin"),
    ]
    if https:
        headers.append(("strict-transport-security", "max-age=31536000"))
    return headers


class SecurityHeaders:
    """ASGI middleware adding :func:`security_headers` to each HTTP answer (a header the
    route already set is kept)."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = security_headers(https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
