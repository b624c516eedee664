"""Keep secrets that travel in URLs out of uvicorn's access log.

Tokens and keys go in headers, never in URLs, but the OpenID Connect return
(``/v1/auth/signin_return?code=...&state=...``) carries the one-time authorization
code in its query string, and an access log is read by more people than the
database is. :class:`RedactQuery` masks the values of :data:`SECRET_PARAMS` in the
logged path; ``create_app`` installs it on the ``uvicorn.access`` logger.
"""

from __future__ import annotations

import logging
import re

__all__ = ["SECRET_PARAMS", "RedactQuery", "install", "redact"]

#: query parameters whose values never reach the log
SECRET_PARAMS = (
    "code",
    "state",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "password",
    "secret",
    "client_secret",
    "api_key",
    "key",
)
_NAMES = "|".join(SECRET_PARAMS)
_PARAM = re.compile(rf"([?&](?:{_NAMES})=)[^&#]*", re.I)


def redact(path: str) -> str:
    """``/x?code=abc&page=2`` -> ``/x?code=***&page=2``."""
    return _PARAM.sub(r"\1***", path) if "?" in path else path


class RedactQuery(logging.Filter):
    """Rewrites the path argument of uvicorn's access records (client, method, path,
    HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install(logger_name: str = "uvicorn.access") -> None:
    """Add the filter once (create_app may run more than once per process)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactQuery) for f in logger.filters):
        logger.addFilter(RedactQuery())
