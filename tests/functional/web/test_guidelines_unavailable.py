"""Issue 10, item 10, at the server: a server whose ``--guidelines URL`` fails fetches it once
per back-off period (not once per request), tells its users only that the guidelines are not
available and when it tries again (503, ``Retry-After``), and recovers once the URL works.
The URL is a real local HTTP server that counts what it is asked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from archive_server import ArchiveServer, tar_gz
from web_client import Visitor

from refcore.config import Settings

ARCHIVE = "/interop/archive/master.tar.gz"
BROWSER = {"accept": "text/html"}


class Clock:
    """The back-off's clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def origin() -> Iterator[ArchiveServer]:
    server = ArchiveServer()
    yield server
    server.close()


def _app(web: Any, url: str, clock: Clock) -> Any:
    from refcore.server.app import create_app
    from refcore.services.guidelines import LoadedSource

    settings = Settings(database_url=web.db.url, secret_key="x", guidelines=url)
    source = LoadedSource(url, retry_first=30, retry_max=100, clock=clock)
    return create_app(settings, db=web.db, guidelines=source)


def _ask(v: Visitor) -> list[Any]:
    """Seven anonymous requests that need the guidelines (API and pages)."""
    return [
        v.get("/v1/guidelines"),
        v.get("/v1/guidelines/2020.06.json"),
        v.get("/v1/guidelines/2020.06/tests"),
        v.get("/v2/guidelines"),
        v.get("/guidelines", headers=BROWSER),
        v.get("/guidelines/2020.06", headers=BROWSER),
        v.get("/", headers=BROWSER),
    ]


def test_a_failing_url_is_fetched_once_per_back_off(
    web: Any, origin: ArchiveServer, interop_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    origin.routes[ARCHIVE] = (302, {"Location": "http://10.0.0.7/internal/interop.tgz"}, b"")
    clock = Clock()
    v = Visitor(_app(web, origin.url + "/interop", clock))
    try:
        with caplog.at_level(logging.ERROR, logger="refcore.guidelines"):
            answers = _ask(v)
        assert [r.status_code for r in answers] == [503] * 7
        assert origin.total == 1  # 7 requests, one fetch
        for r in answers:
            assert r.headers["retry-after"] in ("30", "29")
            # generic: neither the URL, nor where it redirected, nor the reason
            for secret in ("10.0.0.7", "internal", "127.0.0.1", "redirect"):
                assert secret not in r.text, (r.request.url, secret)
        assert "The guidelines cannot be loaded right now" in answers[0].json()["detail"]
        assert answers[3].json()["ok"] is False
        assert answers[4].headers["content-type"].startswith("text/html")
        # the operator's log has the reason
        assert "redirected to another host" in caplog.text
        # after the wait, one more attempt; the wait doubles, up to retry_max
        clock.now += 31
        waits = []
        for expected_total in (2, 3, 4):
            r = v.get("/v2/guidelines")
            assert r.status_code == 503 and origin.total == expected_total
            waits.append(int(r.headers["retry-after"]))
            assert v.get("/v1/guidelines").status_code == 503
            assert origin.total == expected_total  # no fetch inside the wait
            clock.now += waits[-1] + 1
        assert waits == [60, 100, 100]
        # the URL works again: the next attempt loads, and later requests fetch nothing
        origin.routes[ARCHIVE] = (200, {}, tar_gz(interop_dir))
        answers = _ask(v)
        assert [r.status_code for r in answers] == [200] * 7
        assert origin.total == 5
        assert "2020.06" in answers[0].text
    finally:
        v.close()


def test_an_unreachable_url_is_a_503_not_a_502(web: Any) -> None:
    clock = Clock()
    v = Visitor(_app(web, "http://127.0.0.1:1/interop", clock))
    try:
        r = v.get("/v1/guidelines")
        assert r.status_code == 503 and r.headers["retry-after"] == "30"
        assert "127.0.0.1:1" not in r.text and "connect" not in r.text.lower()
    finally:
        v.close()
