"""Per-endpoint body caps below ``max_body_bytes`` (issue 10, item 2): a clear 413 in the
asker's shape before anything is parsed, whether the size is declared or the body is
chunked; under the cap the endpoint works as before."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

JSON_CAP, USAGE_CAP, FORM_CAP = 1_000, 2_000, 5_000


@pytest.fixture(scope="module")
def app(database, guidelines):  # type: ignore[no-untyped-def]
    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    settings = Settings(
        database_url=database.url,
        max_json_bytes=JSON_CAP,
        max_usage_bytes=USAGE_CAP,
        max_verdict_form_bytes=FORM_CAP,
    )
    return create_app(settings, db=database, guidelines=FixedSource(guidelines))


class Client:
    """The app in-process, on an event loop of its own (a portal thread)."""

    def __init__(self, portal: Any, client: httpx.AsyncClient) -> None:
        self.portal, self.client = portal, client

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.post, url, **kwargs))  # type: ignore[no-any-return]

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.put, url, **kwargs))  # type: ignore[no-any-return]


@pytest.fixture
def client(app) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    with start_blocking_portal() as portal:
        transport = httpx.ASGITransport(app=app)
        c = httpx.AsyncClient(transport=transport, base_url="http://localhost")
        yield Client(portal, c)
        portal.call(c.aclose)


@pytest.fixture(scope="module")
def token(database) -> str:  # type: ignore[no-untyped-def]
    import uuid

    from refcore.services import accounts

    with database.read() as session:
        user = accounts.create_user(session, f"caps-{uuid.uuid4().hex[:8]}")
        return accounts.create_token(session, user)


async def _chunks(total: int, size: int = 500) -> AsyncIterator[bytes]:
    """A body sent chunked: no Content-Length."""
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_v1_json_body_over_its_cap_is_a_413_in_refstacks_shape(
    client: Client, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    big = b'{"name": "' + b"x" * JSON_CAP + b'", "product_type": 0}'
    r = client.post("/v1/products", content=big, headers=auth)
    assert r.status_code == 413
    assert r.json()["code"] == 413
    assert r.json()["detail"] == f"Request body too large: the limit is {JSON_CAP} bytes"
    small = client.post("/v1/products", json={"name": "capped", "product_type": 0}, headers=auth)
    assert small.status_code == 201, small.text
    # a chunked body (no Content-Length) is counted as it arrives
    chunked = client.put(
        f"/v1/products/{small.json()['id']}", content=_chunks(JSON_CAP * 2), headers=auth
    )
    assert chunked.status_code == 413
    assert chunked.json()["detail"].endswith(f"the limit is {JSON_CAP} bytes")


def test_a_usage_declaration_over_its_cap_is_a_413_envelope(client: Client, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/yaml"}
    declaration = "name: capped-client\nkind: client\ncapabilities: [compute-servers-create]\n"
    padded = declaration + "# " + "x" * USAGE_CAP + "\n"
    r = client.post("/v2/usage", content=padded.encode(), headers=auth)
    assert r.status_code == 413
    assert r.json() == {
        "ok": False,
        "error": f"Request body too large: the limit is {USAGE_CAP} bytes",
        "errors": [],
        "status": 413,
    }
    chunked = client.post("/v2/usage", content=_chunks(USAGE_CAP + 1), headers=auth)
    assert chunked.status_code == 413 and chunked.json()["status"] == 413
    ok = client.post("/v2/usage", content=declaration.encode(), headers=auth)
    assert ok.status_code in (200, 201), ok.text


def test_a_verdict_form_over_its_cap_is_a_413_page(client: Client) -> None:
    r = client.post(
        "/verdicts",
        data={"profile": "vendor: x", "guideline": "havana"},
        files={"run_file": ("run.passed", b"tempest.api.x.T.test_0\n" * 1000, "text/plain")},
        headers={"Accept": "text/html"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert f"the limit is {FORM_CAP} bytes" in r.text
    # under the cap the form is judged (a profile error here, not a size error)
    small = client.post(
        "/verdicts",
        data={"profile": "vendor: [unclosed", "guideline": "havana"},
        headers={"Accept": "text/html"},
    )
    assert small.status_code == 422 and "not YAML or JSON" in small.text
