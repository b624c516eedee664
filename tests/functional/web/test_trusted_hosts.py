"""Issue 10, item 9: the ``Host`` header is never trusted. Other names are refused before any
route runs; every absolute URL (sign-out redirect, an upload's ``url``, the OIDC redirect
URI, the commands on the home page) comes from the configured public URLs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from web_client import Visitor

from refcore.config import Settings
from refcore.server.hosts import host_allowed, host_name

EVIL = {"host": "evil.example"}
UPLOAD = {"cpid": "c-hosts", "duration_seconds": 1, "results": [{"name": "t.a"}]}


def _runs(web: Any) -> int:
    from refcore.storage.models import Run

    with web.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Run)) or 0)


def test_a_foreign_host_reaches_nothing(visit: Any, web: Any) -> None:
    v = visit()
    before = _runs(web)
    r = v.get("/v1/auth/signout", headers=EVIL)
    assert r.status_code == 400 and "location" not in r.headers
    message = "Invalid Host header 'evil.example': this server does not answer to that name"
    assert r.json() == {"title": message, "code": 400}, r.text  # RefStack's shape under /v1
    r = v.post(
        "/v1/results",
        content=json.dumps(UPLOAD),
        headers={**EVIL, "content-type": "application/json"},
    )
    assert r.status_code == 400 and "evil.example" not in r.headers.get("location", "")
    r = v.post("/v2/runs", content=b"t.a\n", headers=EVIL)
    assert r.status_code == 400 and r.json()["ok"] is False
    assert "Invalid Host header" in r.json()["error"]
    assert v.get("/", headers={**EVIL, "accept": "text/html"}).status_code == 400
    assert _runs(web) == before  # nothing stored
    # odd and hostile forms of the header
    for host in ("", "localhost@evil.example", "evil.example/x", "localhost:notaport", "[::1"):
        assert v.get("/v1/guidelines", headers={"host": host}).status_code == 400, host


def test_allowed_names_answer_and_urls_come_from_settings(visit: Any) -> None:
    v = visit()
    for host in ("localhost", "localhost:8000", "127.0.0.1:1234", "[::1]:8000", "LOCALHOST"):
        assert v.get("/v1/guidelines", headers={"host": host}).status_code == 200, host
    # no public URL configured: http://localhost, whatever allowed name the request used
    r = v.get(
        "/v1/auth/signout", headers={"host": "127.0.0.1:9999", "x-forwarded-host": "evil.example"}
    )
    assert r.status_code == 302 and r.headers["location"] == "http://localhost/#/logout"
    r = v.post("/v1/results", content=json.dumps(UPLOAD), headers={"host": "127.0.0.1:9999"})
    assert r.status_code == 201 and r.json()["url"].startswith("http://localhost/#/results/")


@pytest.fixture
def public(web: Any, guidelines: Any) -> Iterator[Visitor]:
    """An app configured with its public URLs (API and a separate RefStack UI)."""
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    settings = Settings(
        database_url=web.db.url,
        secret_key="x",
        api_url="https://refstack.example.org/",
        ui_url="https://ui.example.org",
    )
    v = Visitor(create_app(settings, db=web.db, guidelines=FixedSource(guidelines)))
    yield v
    v.close()


def test_configured_public_urls_are_used_and_their_hosts_allowed(public: Visitor) -> None:
    api = {"host": "refstack.example.org"}
    r = public.get("/v1/auth/signout", headers=api)
    assert r.status_code == 302 and r.headers["location"] == "https://ui.example.org/#/logout"
    for host in ("refstack.example.org", "ui.example.org", "localhost:8000"):
        r = public.post(
            "/v1/results",
            content=json.dumps(UPLOAD),
            headers={"host": host, "content-type": "application/json"},
        )
        assert r.status_code == 201, (host, r.text)
        assert r.json()["url"] == f"https://ui.example.org/#/results/{r.json()['test_id']}"
    r = public.post("/v2/runs", content=b"t.a\n", headers=api)
    assert r.status_code == 201 and r.json()["url"].startswith("https://ui.example.org/#/results/")
    assert "https://refstack.example.org/v2/runs" in public.get("/", headers=api).text
    assert public.get("/", headers={"host": "evil.example"}).status_code == 400


def test_allowed_hosts_setting(web: Any, guidelines: Any) -> None:
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    settings = Settings(
        database_url=web.db.url, secret_key="x", allowed_hosts="*.example.org, interop.test"
    )
    v = Visitor(create_app(settings, db=web.db, guidelines=FixedSource(guidelines)))
    try:
        for host, status in [
            ("a.example.org", 200),
            ("b.a.example.org:8443", 200),
            ("interop.test", 200),
            ("example.org", 400),  # *.example.org is its subdomains
            ("evilexample.org", 400),
            ("localhost", 400),  # the list replaces the default
        ]:
            assert v.get("/v1/guidelines", headers={"host": host}).status_code == status, host
    finally:
        v.close()


def test_settings_refuse_a_relative_public_url() -> None:
    with pytest.raises(ValueError, match="absolute"):
        Settings(api_url="refstack.example.org")
    assert Settings(allowed_hosts='["a", "b"]').trusted_hosts == ["a", "b"]
    assert Settings(api_url="https://[2001:db8::1]:8443").trusted_hosts[0] == "2001:db8::1"


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("localhost", "localhost"),
        ("LocalHost:80", "localhost"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("a.example.org", "a.example.org"),
        ("", None),
        ("a.example.org:x", None),
        ("user@a.example.org", None),
        ("a.example.org/path", None),
        ("a b", None),
    ],
)
def test_host_name(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_host_patterns() -> None:
    assert host_allowed("x", ["*"])
    assert host_allowed("a.b.c", ["*.b.c"]) and not host_allowed("b.c", ["*.b.c"])
    assert not host_allowed("ab.c", ["*.b.c"])
