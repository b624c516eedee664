"""OpenSSH public keys and the RSA PKCS#1 v1.5 / SHA-256 signatures refstack-client makes."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from refcore.errors import InvalidInput

__all__ = [
    "KEY_FORMATS",
    "ParsedKey",
    "key_fingerprint",
    "key_md5",
    "parse_key_line",
    "signature_digest",
    "verify",
]

#: the formats RefStack accepts for profile keys
KEY_FORMATS = ("ssh-dss", "ssh-rsa", "pgp-sign-rsa", "pgp-sign-dss")


@dataclass(frozen=True)
class ParsedKey:
    format: str
    pubkey: str  # the base64 body
    comment: str | None

    @property
    def line(self) -> str:
        return f"{self.format} {self.pubkey}"


def parse_key_line(line: str) -> ParsedKey:
    """Split ``ssh-rsa AAAA... comment``; the body must be base64."""
    parts = line.strip().split(None, 2)
    if len(parts) < 2:
        raise InvalidInput("Malformed public key")
    try:
        base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("Malformed public key") from None
    return ParsedKey(parts[0], parts[1], parts[2] if len(parts) > 2 else None)


def key_md5(pubkey_b64: str) -> str:
    """RefStack's key index: md5 of the decoded key body."""
    return hashlib.md5(base64.b64decode(pubkey_b64), usedforsecurity=False).hexdigest()


def key_fingerprint(pubkey_b64: str) -> str:
    """refcore's key identity (``key_owners``): sha256 of the decoded key body."""
    return hashlib.sha256(base64.b64decode(pubkey_b64)).hexdigest()


def signature_digest(signature_hex: str) -> str:
    """sha256 of a signature's bytes (whatever the case of its hex): one per signed body
    and key, since PKCS#1 v1.5 signatures are deterministic."""
    return hashlib.sha256(binascii.a2b_hex(signature_hex.strip())).hexdigest()


def verify(public_key_line: str, signature_hex: str, data: bytes) -> None:
    """Check ``signature_hex`` over ``data`` in RefStack's order and words:
    "Malformed signature", "Malformed public key", "Signature verification failed"."""
    try:
        signature = binascii.a2b_hex(signature_hex.strip())
    except (binascii.Error, ValueError):
        raise InvalidInput("Malformed signature") from None
    try:
        key = load_ssh_public_key(public_key_line.strip().encode("ascii", "strict"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise InvalidInput("Malformed public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidInput("Signature verification failed", errors=["only RSA keys can sign"])
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise InvalidInput("Signature verification failed") from None
