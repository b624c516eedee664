"""The RefStack v1 upload body and its signature, byte for byte as refstack-client makes them.

Body: ``json.dumps({"cpid", "duration_seconds", "results": [{"name", "uuid"}]})`` with the
passed tests only, ``[...]`` attributes stripped from names, ``uuid`` only when the test has
an idempotent id. Signature (``refstack-client -i KEY``): header ``X-Signature`` = hex of the
RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes, ``X-Public-Key`` = the OpenSSH
public key line. The server verifies the signature over the bytes it received, so the body
must be sent exactly as signed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from refcore.core.runs import TestRun
from refcore.errors import RunnerError

__all__ = ["load_private_key", "refstack_body", "refstack_results", "self_signature", "sign_body"]


def refstack_results(run: TestRun) -> list[dict[str, str]]:
    """``[{"name", "uuid"?}]`` for every passed test, in the run's order."""
    out = []
    for result in run.passed():
        entry = {"name": result.name}
        if result.uuid:
            entry["uuid"] = result.uuid
        out.append(entry)
    return out


def refstack_body(cpid: str, duration_seconds: int, results: list[dict[str, str]]) -> bytes:
    """The exact bytes refstack-client posts to ``/v1/results/``."""
    content: dict[str, Any] = {
        "cpid": cpid,
        "duration_seconds": duration_seconds,
        "results": results,
    }
    return json.dumps(content).encode("utf-8")


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    """An RSA private key from an OpenSSH (``BEGIN OPENSSH PRIVATE KEY``) or PEM file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RunnerError(f"cannot read key {path}: {exc.strerror or exc}") from None
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in data:
            key: Any = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise RunnerError(f"key {path} is encrypted: give an unencrypted copy") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise RunnerError(f"{path} is not an OpenSSH or PEM private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RunnerError(f"key {path} is not an RSA key (RefStack verifies RSA signatures)")
    return key


def sign_body(body: bytes, key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The ``X-Signature`` and ``X-Public-Key`` headers for ``body``."""
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return {"X-Signature": signature.hex(), "X-Public-Key": public.decode("ascii")}


def self_signature(key: rsa.RSAPrivateKey) -> tuple[str, str]:
    """(OpenSSH public key line, hex signature of b"signature"): what a RefStack
    profile asks for when a key is imported (refstack-client ``sign``)."""
    headers = sign_body(b"signature", key)
    return headers["X-Public-Key"], headers["X-Signature"]
