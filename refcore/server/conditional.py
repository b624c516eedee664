"""Answers a client may keep: ``ETag`` / ``Last-Modified``, and 304 on revalidation.

:func:`conditional` turns a finished body into a 200 carrying its validators, or into a
304 without a body when the request's ``If-None-Match`` (first, as RFC 9110 says) or
``If-Modified-Since`` shows the client holds it already. The entity tag is a digest of
the exact bytes, so it changes exactly when the answer does (another guideline set,
another layout for a logged-in visitor). ``Last-Modified`` is sent only with
``last_modified`` given, by callers whose answer is the same for every visitor.
``Cache-Control: no-cache`` makes browsers ask each time (a cheap 304), never serve a
page from before the guideline set changed; ``Vary: Cookie`` because a login changes
the layout.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

__all__ = ["conditional", "etag_of"]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    """``If-None-Match``: weak comparison against any listed tag, or ``*``."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def _not_modified_since(header: str, last_modified: float) -> bool:
    try:
        since = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # not a date: ignored, as RFC 9110 says
    return int(last_modified) <= since


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    last_modified: float | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` as a 200 with its validators, or a 304 when the client has it."""
    from datetime import UTC, datetime

    etag = etag_of(body)
    validators = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Cookie"}
    if last_modified is not None:
        validators["Last-Modified"] = format_datetime(
            datetime.fromtimestamp(int(last_modified), UTC), usegmt=True
        )
    none_match = request.headers.get("if-none-match")
    modified_since = request.headers.get("if-modified-since")
    if none_match is not None:
        fresh = _matches(none_match, etag)
    else:
        fresh = (
            modified_since is not None
            and last_modified is not None
            and _not_modified_since(modified_since, last_modified)
        )
    if fresh and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers={**(headers or {}), **validators})
