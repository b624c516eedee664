"""``refcore sign`` and ``refcore upload`` against a live server: the key a user
imports with the printed self-signature signs uploads that the server accepts."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def refcore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refcore", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "id_rsa"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def subunit_sample(samples_dir: Path) -> Path:
    return samples_dir / "refstack-client" / "identity-2020.06.subunit"


def test_sign_then_signed_upload_belongs_to_the_key_owner(
    live_server, http, key_file, subunit_sample
):  # type: ignore[no-untyped-def]
    token = live_server.user(f"vendor-{uuid.uuid4().hex[:8]}")
    auth = {"Authorization": f"Bearer {token}"}
    # unregistered key: RefStack's 401, one line, non-zero exit
    p = refcore(
        "upload",
        str(subunit_sample),
        "--server",
        live_server.url,
        "--cpid",
        "c1",
        "--key",
        str(key_file),
    )
    assert p.returncode == 2
    assert "User with specified key not found" in p.stderr and len(p.stderr.splitlines()) == 1
    # import the key with what `refcore sign` prints
    p = refcore("sign", str(key_file))
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stdout.splitlines() if x.strip()]
    public, signature = lines[1], lines[3]
    assert public.startswith("ssh-rsa ")
    r = http.post(
        "/v1/profile/pubkeys", json={"raw_key": public, "self_signature": signature}, headers=auth
    )
    assert r.status_code == 201, r.text
    p = refcore(
        "upload",
        str(subunit_sample),
        "--server",
        live_server.url,
        "--cpid",
        "c1",
        "--key",
        str(key_file),
        "--json",
    )
    assert p.returncode == 0, p.stderr
    run_id = json.loads(p.stdout)["test_id"]
    anonymous = http.get(f"/v1/results/{run_id}")
    assert anonymous.status_code == 401  # signed runs are private until shared
    mine = http.get(f"/v1/results/{run_id}", headers=auth).json()
    assert mine["user_role"] == "owner" and mine["cpid"] == "c1"
    assert sorted(mine["results"]) == [
        "tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token",
        "tempest.api.identity.v3.test_tokens.TokensV3Test.test_token_auth_creation_existence_deletion",
    ]


def test_v2_upload_keeps_the_file(live_server, http, subunit_sample):  # type: ignore[no-untyped-def]
    p = refcore("upload", str(subunit_sample), "--server", live_server.url, "--v2", "--json")
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    assert answer["format"] == "subunit2" and answer["counts"]["pass"] == 2


def test_upload_bad_input(live_server, subunit_sample, tmp_path):  # type: ignore[no-untyped-def]
    p = refcore("upload", str(subunit_sample), "--server", live_server.url)
    assert p.returncode == 2 and "give --cpid" in p.stderr
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00garbage")
    p = refcore("upload", str(junk), "--server", live_server.url, "--cpid", "x")
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "junk" in p.stderr
    p = refcore("upload", str(subunit_sample), "--server", "http://127.0.0.1:9", "--cpid", "x")
    assert p.returncode == 2 and "upload to http://127.0.0.1:9 failed" in p.stderr


def test_v2_upload_of_several_runs_merges_them(live_server, http, tmp_path):  # type: ignore[no-untyped-def]
    """Two runs of one cloud (the second with a re-run of its own) sent as one stream:
    the server stores the merged outcomes, what the failed attempts said kept."""
    from tests.subunit_streams import stream

    a, b, c = (f"tempest.api.object_storage.test_x.T.test_{n}[id-{n}]" for n in "abc")
    first = tmp_path / "first.subunit"
    first.write_bytes(stream([(a, "fail"), (b, "success"), (c, "fail")], reason="503"))
    second = tmp_path / "second.subunit"
    second.write_bytes(
        stream([(a, "fail"), (c, "fail")], reason="again")
        + stream([(a, "success")], tags={"refcore-attempt-2"})
    )
    p = refcore("upload", str(first), str(second), "--server", live_server.url, "--v2", "--json")
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    assert answer["counts"]["pass"] == 2 and answer["counts"]["fail"] == 1
    # a passed list cannot be chained into one v2 stream: one line, exit 2
    passed = tmp_path / "passed.txt"
    passed.write_text(a.split("[")[0] + "\n")
    p = refcore("upload", str(first), str(passed), "--server", live_server.url, "--v2")
    assert p.returncode == 2 and "is not subunit v2" in p.stderr


def test_chained_runs_number_their_attempts_after_each_other(tmp_path):  # type: ignore[no-untyped-def]
    from refcore.core.results import parse_run
    from refcore.core.runs import Outcome
    from refcore.runner.streams import chain_runs
    from tests.subunit_streams import stream

    t = "tempest.api.object_storage.test_x.T.test_a"
    one = stream([(t, "fail")]) + stream([(t, "fail")], tags={"refcore-attempt-2"})
    two = stream([(t, "fail")]) + stream([(t, "success")], tags={"refcore-attempt-2"})
    merged = parse_run(chain_runs([one, two])).get(t)
    assert merged is not None and merged.outcome is Outcome.PASS
    assert merged.attempts == (Outcome.FAIL, Outcome.FAIL, Outcome.FAIL, Outcome.PASS)
