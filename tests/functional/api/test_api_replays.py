"""Replays (issue 10, item 7), over real HTTP, with refstack-client's own requests:
the captured signed upload is accepted once and refused (409) when sent again, by
anyone; new signed runs keep uploading as before; and a public key stays with the
account that first registered it, so a deleted key re-registered by someone else never
makes the first account's signed uploads theirs."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_signing import new_key, run_content, sign, signed_upload, ssh_line
from refcore_testing import LiveServer, _fresh_database, start_server, stop_server
from sqlalchemy import func, select

from refcore.storage.models import KeyOwner, Run, SignedUpload

SENT = ("Content-type", "User-Agent", "Accept", "Accept-Encoding", "X-Signature", "X-Public-Key")
REPLAYED = (
    "This signed upload was already received: the same signature over the same body is "
    "accepted once. Run the tests again to upload a new result."
)


@pytest.fixture(scope="module")
def server(
    db_kind: str, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of its own: the captured upload must be new to it."""
    url, cleanup = _fresh_database(db_kind, "replays", tmp_path_factory)
    process, base = start_server(url, interop_dir)
    live = LiveServer(base, url, process)
    yield live
    live.close()
    stop_server(process)
    cleanup()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def runs_stored(server: LiveServer) -> int:
    with server.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Run)) or 0)


def test_the_captured_refstack_client_upload_is_accepted_once(
    client: httpx.Client, server: LiveServer, samples_dir: Path
) -> None:
    folder = samples_dir / "refstack-client"
    body = (folder / "upload-body.signed.json").read_bytes()
    sent = json.loads((folder / "upload-headers.signed.json").read_text())["headers"]
    headers = {k: v for k, v in sent.items() if k in SENT}
    owner = fresh("signer")
    token = server.user(owner)
    exe = Path(sys.executable).with_name("refcore")
    added = subprocess.run(
        [
            str(exe),
            "admin",
            "add-key",
            owner,
            str(folder / "upload-signing-key.pub"),
            "--db",
            server.db_url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stderr

    first = client.post("/v1/results/", content=body, headers=headers)
    assert first.status_code == 201, first.text
    before = runs_stored(server)
    again = client.post("/v1/results/", content=body, headers=headers)
    assert again.status_code == 409
    assert again.json() == {"title": REPLAYED, "code": 409}  # RefStack's raised-error shape
    # with another user's token it is the same replay; through v2 as well
    other = server.user(fresh("other"))
    assert (
        client.post("/v1/results/", content=body, headers={**headers, **bearer(other)}).status_code
        == 409
    )
    v2 = client.post("/v2/runs", content=body, headers=headers)
    assert (v2.status_code, v2.json()["error"]) == (409, REPLAYED)
    # the hex of the signature in capitals is the same signature
    upper = {**headers, "X-Signature": headers["X-Signature"].upper()}
    assert client.post("/v1/results/", content=body, headers=upper).status_code == 409
    assert runs_stored(server) == before
    # the first upload is still the signer's, and deleting it does not free the replay
    run_id = first.json()["test_id"]
    assert client.get(f"/v1/results/{run_id}", headers=bearer(token)).json()["user_role"] == "owner"
    assert client.delete(f"/v1/results/{run_id}", headers=bearer(token)).status_code == 204
    assert client.post("/v1/results/", content=body, headers=headers).status_code == 409
    with server.db.read() as session:
        assert session.scalars(select(SignedUpload.run_id)).all() == [None]


def test_new_signed_runs_upload_as_before(client: httpx.Client, server: LiveServer) -> None:
    token = server.user(fresh("runner"))
    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    assert (
        client.post("/v1/profile/pubkeys", json=payload, headers=bearer(token)).status_code == 201
    )
    ids = set()
    for i in range(3):  # each new run is a new body, so a new signature
        body, headers = signed_upload(key, run_content(3, cpid=fresh(f"cloud{i}")))
        r = client.post("/v1/results/", content=body, headers=headers)
        assert r.status_code == 201, r.text
        ids.add(r.json()["test_id"])
    assert len(ids) == 3
    # an unsigned body is never a replay: the same bytes twice are two runs
    plain = json.dumps(run_content(2, cpid=fresh("anon"))).encode()
    sent = [
        client.post("/v1/results/", content=plain, headers={"Content-type": "application/json"})
        for _ in "ab"
    ]
    assert [r.status_code for r in sent] == [201, 201]


def test_a_deleted_key_cannot_change_account(client: httpx.Client, server: LiveServer) -> None:
    alice, mallory = server.user(fresh("alice")), server.user(fresh("mallory"))
    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    r = client.post("/v1/profile/pubkeys", json=payload, headers=bearer(alice))
    assert r.status_code == 201, r.text
    body, headers = signed_upload(key, run_content(2, cpid=fresh("alice-cloud")))
    assert client.post("/v1/results/", content=body, headers=headers).status_code == 201
    assert (
        client.delete(f"/v1/profile/pubkeys/{r.json()}", headers=bearer(alice)).status_code == 204
    )

    # mallory re-registers the key with the self-signature alice once sent: refused
    taken = client.post("/v1/profile/pubkeys", json=payload, headers=bearer(mallory))
    assert taken.status_code == 409
    assert taken.json()["title"].startswith("Public key already registered by another account")
    assert client.get("/v1/profile/pubkeys", headers=bearer(mallory)).json() == []
    # alice's next signed upload is refused (no key), never mallory's
    later, later_headers = signed_upload(key, run_content(2, cpid=fresh("alice-later")))
    assert client.post("/v1/results/", content=later, headers=later_headers).status_code == 401
    # alice may register her key again, and her uploads are hers
    assert (
        client.post("/v1/profile/pubkeys", json=payload, headers=bearer(alice)).status_code == 201
    )
    up = client.post("/v1/results/", content=later, headers=later_headers)
    assert up.status_code == 201, up.text
    assert (
        client.get(f"/v1/results/{up.json()['test_id']}", headers=bearer(alice)).json()["user_role"]
        == "owner"
    )
    assert (
        client.get(f"/v1/results/{up.json()['test_id']}", headers=bearer(mallory)).status_code
        == 401
    )
    with server.db.read() as session:
        assert session.scalar(select(func.count()).select_from(KeyOwner)) >= 1
