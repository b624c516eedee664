"""The server never blocks its event loop and a failed request never holds a lock
(issue 10, items 1 and 2), against a real ``refcore serve`` (uvicorn) on SQLite and
PostgreSQL.

No timings are asserted: answers must be the right ones (never a 500, never "database is
locked"), and a request that waits (for a lock, for a parse in a worker) must not keep a
quick one from being answered first.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_signing import run_content
from refcore_testing import LiveServer, _fresh_database, start_server, stop_server
from sqlalchemy import text

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "advisory-cases"
LOCK_TIMEOUT = 6  # the server's lock timeout in these tests (seconds)
ROUNDS = 40


@pytest.fixture(scope="module")
def server(db_kind: str, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url, cleanup = _fresh_database(db_kind, "loop", tmp_path_factory)
    env = {"REFCORE_LOCK_TIMEOUT_SECONDS": str(LOCK_TIMEOUT)}
    process, base = start_server(url, interop_dir, env=env)
    live = LiveServer(base, url, process)
    yield live
    live.close()
    stop_server(process)
    cleanup()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    # generous: a request stuck behind a lock answers 503 after LOCK_TIMEOUT seconds
    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def owned_run(client: httpx.Client, token: str) -> str:
    body = json.dumps(run_content(5, cpid=fresh("cpid")))
    r = client.post(
        "/v1/results",
        content=body,
        headers={"Content-Type": "application/json", **bearer(token)},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["test_id"])


@contextmanager
def lock_held(server: LiveServer) -> Iterator[None]:
    """Hold the lock the server's writes to ``runs`` need (SQLite: the database's write
    lock; PostgreSQL: the table) until the block ends."""
    with server.db.write() as session:
        if server.db.engine.dialect.name == "postgresql":
            session.execute(text("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE"))
        else:
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE already took the lock
        yield
        session.rollback()


def test_refused_delete_racing_the_owners_changes(server: LiveServer, client: httpx.Client) -> None:
    """Issue 10 item 1: another user's refused DELETE sent together with the owner's
    meta POST and product PUT, 40 rounds: every answer is the right one (it was 500 and
    403 after 60 s on SQLite, with "database is locked" in the log), and a guideline list
    asked meanwhile is answered."""
    owner, other = server.user(fresh("owner")), server.user(fresh("other"))
    run_id = owned_run(client, owner)
    product = client.post(
        "/v1/products", json={"name": fresh("cloud"), "product_type": 0}, headers=bearer(owner)
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]

    def send(kind: str, i: int) -> tuple[str, int, str]:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            if kind == "delete":
                r = c.delete(f"/v1/results/{run_id}", headers=bearer(other))
            elif kind == "meta":
                r = c.post(
                    f"/v1/results/{run_id}/meta/shared", content=b"true", headers=bearer(owner)
                )
            elif kind == "product":
                r = c.put(
                    f"/v1/products/{product_id}",
                    json={"description": f"round {i}"},
                    headers=bearer(owner),
                )
            else:
                r = c.get("/v1/guidelines")
            return kind, r.status_code, r.text

    expected = {"delete": 403, "meta": 201, "product": 200, "guidelines": 200}
    jobs = [(kind, i) for i in range(ROUNDS) for kind in expected]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda job: send(*job), jobs))
    wrong = [(k, status, body[:200]) for k, status, body in answers if status != expected[k]]
    assert not wrong, wrong
    assert not any("database is locked" in body for _, _, body in answers)
    # the run is still there, shared; the product has the last description sent
    assert client.get(f"/v1/results/{run_id}/meta/shared", headers=bearer(owner)).json() == "true"
    assert client.get(f"/v1/products/{product_id}", headers=bearer(owner)).status_code == 200


def test_a_request_waiting_for_a_lock_does_not_stop_the_others(
    server: LiveServer, client: httpx.Client
) -> None:
    """A change waiting for a lock waits in its worker: the loop answers everyone else,
    and the change goes through once the lock is free."""
    owner = server.user(fresh("owner"))
    run_id = owned_run(client, owner)
    with ThreadPoolExecutor(1) as pool, lock_held(server):
        waiting = pool.submit(
            client.post, f"/v1/results/{run_id}/meta/shared", content=b"true",
            headers=bearer(owner),
        )  # fmt: skip
        quick = [client.get("/v1/guidelines").status_code for _ in range(3)]
        still_waiting = not waiting.done()
    assert quick == [200, 200, 200]
    assert still_waiting  # it was waiting for the lock while the others were answered
    assert waiting.result().status_code == 201


def test_a_lock_held_past_the_timeout_is_a_503_with_retry_after(
    server: LiveServer, client: httpx.Client
) -> None:
    """Past ``lock_timeout_seconds`` the request is answered 503 with Retry-After, in the
    path's error shape, and nothing of it is stored."""
    owner = server.user(fresh("owner"))
    run_id = owned_run(client, owner)
    with ThreadPoolExecutor(2) as pool, lock_held(server):
        v1 = pool.submit(
            client.post, f"/v1/results/{run_id}/meta/shared", content=b"true",
            headers=bearer(owner),
        )  # fmt: skip
        v2 = pool.submit(client.delete, f"/v2/runs/{run_id}", headers=bearer(owner))
        busy_v1, busy_v2 = v1.result(), v2.result()
        meanwhile = client.get("/v1/guidelines").status_code
    assert meanwhile == 200
    assert busy_v1.status_code == 503 and busy_v1.headers["retry-after"] == str(LOCK_TIMEOUT)
    body = busy_v1.json()
    assert (body["code"], body["title"]) == (503, "Service Unavailable")
    assert body["detail"].startswith("The database is busy")
    assert busy_v2.status_code == 503 and busy_v2.headers["retry-after"] == str(LOCK_TIMEOUT)
    envelope = busy_v2.json()
    assert envelope["ok"] is False and envelope["status"] == 503
    assert "try again" in envelope["error"]
    # nothing was changed: the run is there, not shared
    assert client.get(f"/v2/runs/{run_id}", headers=bearer(owner)).status_code == 200
    assert "shared" not in client.get(f"/v1/results/{run_id}/meta", headers=bearer(owner)).json()


def _raw_request(
    base: str, method: str, path: str, body: bytes, headers: dict[str, str]
) -> socket.socket:
    """Send a whole request on a socket of its own and return it, unread."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=300)
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close", "", ""]
    sock.sendall("\r\n".join(head).encode() + body)
    return sock


def _answered(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    finally:
        sock.setblocking(True)


def _status(sock: socket.socket) -> int:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    return int(data.split(b" ", 2)[1])


def _usage_yaml(size: int) -> bytes:
    lines = [f"name: {fresh('big-client')}", "kind: client", "api_calls:"]
    i = 0
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(f"  - {{method: GET, path: /v2/servers/{i}, service: compute}}")
        i += 1
    return "\n".join(lines).encode()


def _multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


HEAVY: dict[str, Any] = {
    # Issue 10 item 2: a big usage YAML to /v2/usage and a big run file to the verdict page
    # were parsed on the event loop and stalled every other request for seconds.
    "usage": "/v2/usage",
    "verdict": "/verdicts",
}


@pytest.mark.parametrize("kind", sorted(HEAVY))
def test_parsing_a_big_body_does_not_stall_the_others(
    kind: str, server: LiveServer, client: httpx.Client
) -> None:
    import time

    if kind == "usage":
        body = _usage_yaml(240 * 1024)  # under max_usage_bytes; seconds of PyYAML
        headers = {"Content-Type": "application/yaml", **bearer(server.user(fresh("u")))}
        expected = 201
    else:
        names = "\n".join(
            f"tempest.api.compute.test_{i}.T.test_{i}[id-{i:08d}-0000-4000-8000-000000000000]"
            for i in range(60_000)
        )
        profile = (EXAMPLES / "bananacloud.yaml").read_text()
        body, ctype = _multipart(
            {"profile": profile, "guideline": "havana"}, "run_file", "run.passed", names.encode()
        )
        headers = {"Content-Type": ctype, "Accept": "text/html"}
        expected = 200
    heavy = _raw_request(server.url, "POST", HEAVY[kind], body, headers)
    time.sleep(0.3)  # not an assertion: lets the server read the body and start parsing
    quick = client.get("/v1/guidelines")
    heavy_done_first = _answered(heavy)
    assert quick.status_code == 200
    assert not heavy_done_first  # the quick request was answered while the parse ran
    assert _status(heavy) == expected
