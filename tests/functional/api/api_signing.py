"""Sign exactly as refstack-client does: RSA PKCS#1 v1.5, SHA-256, hex, OpenSSH public key."""

from __future__ import annotations

import binascii
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ssh_line(key: rsa.RSAPrivateKey, comment: str = "tester@refcore") -> str:
    body = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{body.decode()} {comment}"


def sign(key: rsa.RSAPrivateKey, data: bytes) -> str:
    return binascii.b2a_hex(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def signed_upload(key: rsa.RSAPrivateKey, content: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """refstack-client's upload: body = json.dumps(content), headers X-Signature/X-Public-Key."""
    body = json.dumps(content).encode()
    headers = {
        "Content-type": "application/json",
        "X-Signature": sign(key, body),
        "X-Public-Key": ssh_line(key).rsplit(" ", 1)[0],
    }
    return body, headers


def run_content(
    n: int = 3, *, cpid: str = "c0ffee", prefix: str = "tempest.api.x"
) -> dict[str, Any]:
    return {
        "cpid": cpid,
        "duration_seconds": 42,
        "results": [
            {"name": f"{prefix}.T.test_{i}", "uuid": f"00000000-0000-4000-8000-{i:012d}"}
            for i in range(n)
        ],
    }
