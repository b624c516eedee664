"""Accounts over real HTTP: tokens, profile keys, signed uploads (the captured
refstack-client requests replayed byte for byte, and fresh ones signed the same
way), and RefStack's privacy rules per role."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from api_signing import new_key, run_content, sign, signed_upload, ssh_line

SENT = ("Content-type", "User-Agent", "Accept", "Accept-Encoding", "X-Signature", "X-Public-Key")


def captured(samples_dir: Path, kind: str) -> tuple[bytes, dict[str, str]]:
    folder = samples_dir / "refstack-client"
    body = folder / ("upload-body.signed.json" if kind == "signed" else "upload-body.json")
    headers = json.loads((folder / f"upload-headers.{kind}.json").read_text())
    assert headers["path"] == "/v1/results/"
    return body.read_bytes(), {k: v for k, v in headers["headers"].items() if k in SENT}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_replay_captured_unsigned_upload(http: httpx.Client, samples_dir: Path) -> None:
    body, headers = captured(samples_dir, "unsigned")
    r = http.post("/v1/results/", content=body, headers=headers)
    assert r.status_code == 201, r.text
    detail = http.get(f"/v1/results/{r.json()['test_id']}").json()
    sent = [item["name"] for item in json.loads(body)["results"]]
    assert sorted(detail["results"]) == sorted(sent)
    assert detail["user_role"] == "user"


def test_replay_captured_signed_upload(http: httpx.Client, live_server, samples_dir: Path) -> None:  # type: ignore[no-untyped-def]
    body, headers = captured(samples_dir, "signed")
    before = http.post("/v1/results/", content=body, headers=headers)
    assert before.status_code == 401
    assert before.json() == {
        "code": 401,
        "title": "Unauthorized",
        "detail": "User with specified key not found. Please log into the RefStack server "
        "to upload your key.",
    }
    # register the captured key to a user, as `refcore admin add-key` does
    owner = fresh("sample-owner")
    token = live_server.user(owner)
    key_file = samples_dir / "refstack-client" / "upload-signing-key.pub"
    exe = Path(sys.executable).with_name("refcore")
    added = subprocess.run(
        [str(exe), "admin", "add-key", owner, str(key_file), "--db", live_server.db_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    keys = http.get("/v1/profile/pubkeys", headers=bearer(token)).json()
    assert [k["id"] for k in keys] == [added.stdout.strip()]

    r = http.post("/v1/results/", content=body, headers=headers)
    assert r.status_code == 201, r.text
    test_id = r.json()["test_id"]
    # private to the key owner until shared
    assert http.get(f"/v1/results/{test_id}").status_code == 401
    mine = http.get(f"/v1/results/{test_id}", headers=bearer(token)).json()
    assert mine.get("user_role") == "owner", mine
    assert mine["cpid"] == json.loads(body)["cpid"]
    assert mine["meta"] == {"user": owner}
    signed = http.get("/v1/results/", params={"signed": ""}, headers=bearer(token)).json()
    assert [i["id"] for i in signed["results"]] == [test_id]
    # the same bytes with one byte changed no longer verify
    tampered = body.replace(b'"duration_seconds": 0', b'"duration_seconds": 1')
    assert tampered != body
    bad = http.post("/v1/results/", content=tampered, headers=headers)
    assert (bad.status_code, bad.json()["title"]) == (400, "Signature verification failed")


def test_profile_keys_and_a_signed_upload_like_refstack_client(
    http: httpx.Client, live_server
) -> None:  # type: ignore[no-untyped-def]
    token = live_server.user(fresh("signer"))
    assert http.get("/v1/profile").status_code == 401
    me = http.get("/v1/profile", headers=bearer(token)).json()
    assert me["is_admin"] is False and me["openid"].startswith("signer-")

    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    r = http.post("/v1/profile/pubkeys", json=payload, headers=bearer(token))
    assert r.status_code == 201 and isinstance(r.json(), str)
    again = http.post("/v1/profile/pubkeys", json=payload, headers=bearer(token))
    assert (again.status_code, again.json()["title"]) == (409, "Public key already exists.")
    other = new_key()
    forged = {"raw_key": ssh_line(other), "self_signature": sign(key, b"signature")}
    r2 = http.post("/v1/profile/pubkeys", json=forged, headers=bearer(token))
    assert (r2.status_code, r2.json()["title"]) == (400, "Signature verification failed")
    odd = {"raw_key": "ssh-ed25519 AAAAC3Nz", "self_signature": "00"}
    r3 = http.post("/v1/profile/pubkeys", json=odd, headers=bearer(token))
    assert (r3.status_code, r3.json()["title"]) == (400, "Public key has unsupported format")
    assert http.post("/v1/profile/pubkeys", json=payload).status_code == 401

    body, headers = signed_upload(key, run_content(4, cpid=fresh("cpid")))
    up = http.post("/v1/results/", content=body, headers=headers)
    assert up.status_code == 201, up.text
    detail = http.get(f"/v1/results/{up.json()['test_id']}", headers=bearer(token)).json()
    assert detail["user_role"] == "owner"

    key_id = r.json()
    assert http.delete(f"/v1/profile/pubkeys/{key_id}", headers=bearer(token)).status_code == 204
    assert http.get("/v1/profile/pubkeys", headers=bearer(token)).json() == []
    # the key is gone: its signed uploads are refused again
    assert http.post("/v1/results/", content=body, headers=headers).status_code == 401


def test_bad_token_is_401(http: httpx.Client) -> None:
    r = http.get("/v1/profile", headers=bearer("nope"))
    assert r.status_code == 401
    assert r.json()["detail"] == "Invalid API token"


@pytest.fixture
def roles(live_server, http: httpx.Client):  # type: ignore[no-untyped-def]
    """An owner's signed run plus tokens for another member and a foundation admin."""
    owner = live_server.user(fresh("owner"))
    member = live_server.user(fresh("member"))
    foundation = live_server.user(fresh("foundation"), foundation=True)
    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    assert http.post("/v1/profile/pubkeys", json=payload, headers=bearer(owner)).status_code == 201
    cpid = fresh("private")
    body, headers = signed_upload(key, run_content(3, cpid=cpid))
    test_id = http.post("/v1/results/", content=body, headers=headers).json()["test_id"]
    return {"owner": owner, "member": member, "foundation": foundation, "id": test_id, "cpid": cpid}


def test_privacy_per_role(http: httpx.Client, roles) -> None:  # type: ignore[no-untyped-def]
    test_id, cpid = roles["id"], roles["cpid"]
    url = f"/v1/results/{test_id}"

    def listed(token: str | None) -> list[str]:
        h = bearer(token) if token else {}
        return [
            i["id"]
            for i in http.get("/v1/results", params={"cpid": cpid}, headers=h).json()["results"]
        ]

    # unshared: anonymous and other members cannot see it at all
    assert http.get(url).status_code == 401
    assert http.get(url, headers=bearer(roles["member"])).status_code == 401
    assert http.get(url + "/meta", headers=bearer(roles["member"])).status_code == 403
    assert listed(None) == [] and listed(roles["member"]) == []
    found = http.get(url, headers=bearer(roles["foundation"])).json()
    assert found["user_role"] == "foundation" and found["cpid"] == cpid
    assert set(found["meta"]) == {"user"}

    # the member cannot share, edit or delete it
    assert (
        http.post(url + "/meta/shared", content="true", headers=bearer(roles["member"])).status_code
        == 403
    )
    assert http.delete(url, headers=bearer(roles["member"])).status_code == 403

    # the owner shares it and sets guideline/target: now everyone sees a filtered view
    for key, value in (("shared", "true"), ("guideline", "2020.06"), ("target", "platform")):
        r = http.post(f"{url}/meta/{key}", content=value, headers=bearer(roles["owner"]))
        assert r.status_code == 201
    assert (
        http.post(url + "/meta/user", content="x", headers=bearer(roles["owner"])).status_code
        == 403
    )
    public = http.get(url).json()
    assert public["user_role"] == "user" and "cpid" not in public
    assert public["meta"] == {"shared": "true", "guideline": "2020.06", "target": "platform"}
    assert listed(None) == [test_id]
    assert http.get(url + "/meta/guideline").json() == "2020.06"
    assert http.get(url + "/meta/user").json() is None
    assert http.get(url + "/meta/user", headers=bearer(roles["owner"])).json().startswith("owner-")

    # verification: foundation only, frozen afterwards
    r = http.put(url, json={"verification_status": 1}, headers=bearer(roles["owner"]))
    assert (r.status_code, r.json()["detail"]) == (
        403,
        "You do not have permission to change a verification status.",
    )
    r = http.put(url, json={"verification_status": 1}, headers=bearer(roles["foundation"]))
    assert r.status_code == 409 and "does not meet its claim" in r.json()["title"]
    r = http.put(
        url,
        json={"verification_status": 1, "verification_override": "witnessed re-run"},
        headers=bearer(roles["foundation"]),
    )
    assert r.status_code == 201 and r.json()["verification_status"] == 1
    trail = http.get(
        "/v2/audit", params={"object_id": roles["id"]}, headers=bearer(roles["foundation"])
    ).json()
    assert trail[0]["action"] == "verify"
    assert trail[0]["after"]["override"] == "witnessed re-run" and not trail[0]["after"]["meets"]
    r = http.delete(url, headers=bearer(roles["owner"]))
    assert (r.status_code, r.json()["detail"]) == (403, "Can not delete a verified test run.")
    r = http.delete(url + "/meta/shared", headers=bearer(roles["owner"]))
    assert r.json()["detail"] == "Can not delete a metadata key for a verified test run."
    assert (
        http.put(
            url, json={"verification_status": 0}, headers=bearer(roles["foundation"])
        ).status_code
        == 201
    )
    assert http.delete(url + "/meta/shared", headers=bearer(roles["owner"])).status_code == 204
    assert listed(None) == []
    missing = http.delete(url + "/meta/shared", headers=bearer(roles["owner"]))
    assert missing.status_code == 404
    assert http.delete(url, headers=bearer(roles["owner"])).status_code == 204
    assert http.get(url, headers=bearer(roles["owner"])).status_code == 404


def test_verification_needs_shared_guideline_target(http: httpx.Client, roles) -> None:  # type: ignore[no-untyped-def]
    url = f"/v1/results/{roles['id']}"
    r = http.put(url, json={"verification_status": 1}, headers=bearer(roles["foundation"]))
    assert r.status_code == 403
    assert r.json()["detail"].startswith("In order to mark a test verified")
    r = http.put(url, json={"verification_status": 7}, headers=bearer(roles["foundation"]))
    assert (r.status_code, r.json()["title"]) == (400, "Invalid verification_status value: 7")


def test_admin_create_user_prints_only_the_token(live_server, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    exe = Path(sys.executable).with_name("refcore")
    name = fresh("cli-admin")
    r = subprocess.run(
        [
            str(exe),
            "admin",
            "create-user",
            name,
            "--foundation",
            "--token",
            "--db",
            live_server.db_url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert r.stdout == token + "\n" and " " not in token
    me = http.get("/v1/profile", headers=bearer(token)).json()
    assert me == {"openid": name, "email": None, "fullname": name, "is_admin": True}
    dup = subprocess.run(
        [str(exe), "admin", "create-user", name, "--db", live_server.db_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert dup.returncode == 2 and dup.stderr.strip() == f"error: User {name} already exists"


def test_serve_on_a_taken_port_is_one_line_exit_2(live_server, interop_dir: Path) -> None:  # type: ignore[no-untyped-def]
    exe = Path(sys.executable).with_name("refcore")
    port = live_server.url.rsplit(":", 1)[1]
    r = subprocess.run(
        [
            str(exe),
            "serve",
            "--port",
            port,
            "--db",
            live_server.db_url,
            "--guidelines",
            str(interop_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
