"""The credentials vault: Fernet under the configured keys, rotation to a new first key,
the key file made once (owner-only) when no key is configured, a foreign token refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from refcore.config import Settings
from refcore.errors import Conflict, InvalidInput
from refcore.services import vault as vaults
from refcore.services.vault import Vault

ENTRY = {"auth": {"auth_url": "http://k/v3", "username": "u", "password": "hunter2-xyz"}}


def test_entries_round_trip_and_the_token_hides_them() -> None:
    v = Vault((Fernet.generate_key().decode(),))
    token = v.encrypt(ENTRY)
    assert "hunter2" not in token and v.decrypt(token) == ENTRY


def test_keys_come_from_the_setting_comma_separated_or_json() -> None:
    a, b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert Settings(credentials_keys=f"{a},{b}").credentials_keys == [a, b]  # type: ignore[arg-type]
    assert Settings(credentials_keys=json.dumps([b])).credentials_keys == [b]  # type: ignore[arg-type]
    assert a not in repr(Settings(credentials_keys=[a])) and a not in repr(Vault((a,)))


def test_a_bad_key_is_refused_with_the_way_to_make_one() -> None:
    with pytest.raises(InvalidInput, match="refcore clouds new-key"):
        Vault(("not-a-key",))


def test_without_a_setting_one_key_file_is_made_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "credentials.key"
    first = Vault.from_settings(Settings(database_url="sqlite://"), key_file=path)
    assert not path.exists()  # made at the first use only: a refused request makes none
    token = first.encrypt(ENTRY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Vault.from_settings(Settings(database_url="sqlite://"), key_file=path)
    assert again.decrypt(token) == ENTRY


def test_rotation_re_encrypts_under_the_new_first_key(db_session: Any) -> None:
    from refcore.storage.models import Organization, Product, ProductVersion, RegisteredCloud

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    session = db_session
    session.add(Organization(id="org-rot", type=1, name="Rotating vendor"))
    session.add(Product(id="prod-rot", name="P", organization_id="org-rot", type=0, product_type=1))
    session.add(ProductVersion(id="ver-rot", product_id="prod-rot", version="1"))
    session.add(
        RegisteredCloud(
            id="cloud-rot",
            product_version_id="ver-rot",
            name="c",
            auth_url="http://k/v3",
            credentials=Vault((old,)).encrypt(ENTRY),
            credentials_mask="{}",
            tests="[]",
            schedule="manual",
        )
    )
    session.flush()
    both = Vault((new, old))
    assert vaults.rotate(session, both) == 1
    token = session.scalar(
        select(RegisteredCloud.credentials).where(RegisteredCloud.id == "cloud-rot")
    )
    assert Vault((new,)).decrypt(token) == ENTRY  # the old key can go now
    with pytest.raises(Conflict, match="not in credentials_keys any more"):
        Vault((old,)).decrypt(token)
