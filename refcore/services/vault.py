"""Registered clouds' credentials encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256,
from ``cryptography``) under the keys of the ``credentials_keys`` setting, through a
:class:`cryptography.fernet.MultiFernet`: the first key encrypts, every key decrypts, so a
site rotates by putting a new key first, re-encrypting (:func:`rotate`, ``refcore clouds
rotate-keys``) and then dropping the old key.

Without the setting, one key is kept in ``credentials.key`` in refcore's data directory
(created on first use, readable by its owner only): the database (or a dump of it) alone
does not reveal the credentials. Workers on other machines need the same keys
(docs/continuous.md).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.config import Settings
from refcore.errors import Conflict, InvalidInput
from refcore.storage.models import RegisteredCloud

__all__ = ["KEY_FILE", "Vault", "default_key_file", "new_key", "rotate"]

KEY_FILE = "credentials.key"


def new_key() -> str:
    """A fresh Fernet key (url-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def default_key_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("refcore")) / KEY_FILE


def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError):
        raise InvalidInput(
            "credentials_keys: each key is a Fernet key (32 url-safe base64-encoded bytes; "
            "make one with `refcore clouds new-key`)"
        ) from None


def _key_from_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key() + "\n")
    return path.read_text().strip()


class Vault:
    """Encrypts and decrypts one cloud's clouds.yaml entry. The keys are checked when given;
    the key file (no keys configured) is read, or made, at the first use, so a request
    refused before it touches credentials leaves the data directory alone."""

    def __init__(self, keys: tuple[str, ...] = (), *, key_file: Path | None = None) -> None:
        self._keys = tuple(keys)
        self._key_file = key_file
        self._fernet: MultiFernet | None = None
        self._lock = threading.Lock()
        if self._keys:
            self._fernet = _fernet(self._keys)
        elif key_file is None:
            raise InvalidInput("credentials_keys: at least one Fernet key")

    def __repr__(self) -> str:
        return f"Vault({len(self._keys)} key(s), key_file={self._key_file})"

    @classmethod
    def from_settings(cls, settings: Settings, *, key_file: Path | None = None) -> Vault:
        if settings.credentials_keys:
            return cls(tuple(settings.credentials_keys))
        return cls(key_file=key_file or default_key_file())

    @property
    def _f(self) -> MultiFernet:
        with self._lock:
            if self._fernet is None:
                assert self._key_file is not None
                self._fernet = _fernet((_key_from_file(self._key_file),))
            return self._fernet

    def check(self) -> None:
        """Load the keys now (a worker refuses to start with keys that cannot work)."""
        self._f  # noqa: B018 - the property loads and checks them

    def encrypt(self, entry: dict[str, Any]) -> str:
        return self._f.encrypt(json.dumps(entry, sort_keys=True).encode()).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        """The entry; a token no configured key opens is a 409 naming the setting."""
        try:
            data = json.loads(self._f.decrypt(token.encode("ascii")))
        except InvalidToken:
            raise Conflict(
                "The cloud's credentials were encrypted with a key that is not in "
                "credentials_keys any more; register its credentials again"
            ) from None
        if not isinstance(data, dict):
            raise Conflict("The cloud's stored credentials are not a clouds.yaml entry")
        return data

    def rotate_token(self, token: str) -> str:
        try:
            return self._f.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise Conflict("A cloud's credentials open with none of credentials_keys") from None


def rotate(session: Session, vault: Vault) -> int:
    """Re-encrypt every cloud's credentials under the first key; how many were rewritten."""
    count = 0
    for cloud in session.scalars(select(RegisteredCloud).with_for_update()):
        cloud.credentials = vault.rotate_token(cloud.credentials)
        count += 1
    session.commit()
    return count
