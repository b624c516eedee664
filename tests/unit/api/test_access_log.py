"""The access log never shows an OIDC authorization code (or any secret query value)."""

from __future__ import annotations

import logging

import pytest

from refcore.server.access_log import RedactQuery, redact


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (
            "/v1/auth/signin_return?code=SECRET&state=S2",
            "/v1/auth/signin_return?code=***&state=***",
        ),
        ("/x?page=2&Token=abc#frag", "/x?page=2&Token=***#frag"),
        ("/v1/results?cpid=c&page=1", "/v1/results?cpid=c&page=1"),
        ("/v1/results?keyword=x", "/v1/results?keyword=x"),
        ("/no/query/code=x", "/no/query/code=x"),
    ],
)
def test_redact(path: str, logged: str) -> None:
    assert redact(path) == logged


def test_create_app_installs_the_filter_on_uvicorn_access(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    from refcore.config import Settings
    from refcore.server.app import create_app

    create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k"))
    create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k"))
    logger = logging.getLogger("uvicorn.access")
    assert sum(isinstance(f, RedactQuery) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # uvicorn's own call (protocols/http/*_impl.py)
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/v1/auth/signin_return?state=st&code=abc123",
            "1.1",
            302,
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert "abc123" not in line and "st&" not in line
    assert line == '127.0.0.1:5000 - "GET /v1/auth/signin_return?state=***&code=*** HTTP/1.1" 302'
