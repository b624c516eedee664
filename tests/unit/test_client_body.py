"""The RefStack v1 body and signature, checked against refstack-client's captured request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from refcore.client.body import load_private_key, refstack_body, refstack_results, sign_body
from refcore.core.results import parse_run
from refcore.errors import RunnerError


def _verify(body: bytes, headers: dict[str, str]) -> None:
    public = serialization.load_ssh_public_key(headers["X-Public-Key"].encode())
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(bytes.fromhex(headers["X-Signature"]), body, padding.PKCS1v15(), hashes.SHA256())


def test_refstack_client_capture_verifies(samples_dir: Path) -> None:
    """The signature scheme is the one refstack-client used on the captured request."""
    cap = samples_dir / "refstack-client"
    body = (cap / "upload-body.signed.json").read_bytes()
    headers = json.loads((cap / "upload-headers.signed.json").read_text())["headers"]
    _verify(body, headers)
    assert headers["X-Public-Key"] == (cap / "upload-signing-key.pub").read_text().strip()


def test_body_matches_refstack_client_bytes(samples_dir: Path) -> None:
    """Rebuilding the captured body from its own results gives the same bytes."""
    captured = (samples_dir / "refstack-client" / "upload-body.json").read_bytes()
    doc = json.loads(captured)
    assert refstack_body(doc["cpid"], doc["duration_seconds"], doc["results"]) == captured


def test_results_from_subunit_keep_passed_tests_only(samples_dir: Path) -> None:
    data = (samples_dir / "refstack-client" / "identity-2020.06.subunit").read_bytes()
    run = parse_run(data)
    results = refstack_results(run)
    assert len(results) == len(run.passed()) > 0
    for entry in results:
        assert "[" not in entry["name"]
        assert set(entry) <= {"name", "uuid"}
        assert run.results[entry["name"]].outcome.passed


def _write_key(tmp_path: Path, fmt: serialization.PrivateFormat, key=None) -> Path:  # type: ignore[no-untyped-def]
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "key"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    )
    return path


@pytest.mark.parametrize(
    "fmt", [serialization.PrivateFormat.OpenSSH, serialization.PrivateFormat.TraditionalOpenSSL]
)
def test_sign_with_openssh_or_pem_key(tmp_path: Path, fmt: serialization.PrivateFormat) -> None:
    key = load_private_key(_write_key(tmp_path, fmt))
    body = refstack_body("cpid-1", 12, [{"name": "tempest.a.B.test_c", "uuid": "x"}])
    headers = sign_body(body, key)
    _verify(body, headers)
    assert headers["X-Public-Key"].startswith("ssh-rsa AAAA")
    with pytest.raises(Exception):  # noqa: B017 - any verification failure
        _verify(body + b" ", headers)


def test_non_rsa_and_garbage_keys_are_refused(tmp_path: Path) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    path = _write_key(tmp_path, serialization.PrivateFormat.PKCS8, ec_key)
    with pytest.raises(RunnerError, match="not an RSA key"):
        load_private_key(path)
    path.write_text("not a key")
    with pytest.raises(RunnerError, match="not an OpenSSH or PEM private key"):
        load_private_key(path)
    with pytest.raises(RunnerError, match="cannot read key"):
        load_private_key(tmp_path / "missing")
