"""``refcore clouds``: the keys that encrypt registered clouds' credentials (continuous
compliance, docs/continuous.md)."""

from __future__ import annotations

import click

from refcore.cli.admin import _database, _db_option, _settings


@click.group()
def clouds() -> None:
    """Registered clouds: the keys that encrypt their credentials."""


@clouds.command("new-key")
def new_key() -> None:
    """Print a fresh Fernet key for REFCORE_CREDENTIALS_KEYS."""
    from refcore.services.vault import new_key as make

    click.echo(make())


@clouds.command("rotate-keys")
@_db_option
def rotate_keys(db_url: str | None) -> None:
    """Re-encrypt every cloud's credentials under the first of REFCORE_CREDENTIALS_KEYS.

    Rotation: put the new key first in REFCORE_CREDENTIALS_KEYS (the old one after it), run
    this, restart the server and the workers, then drop the old key."""
    from refcore.services.vault import Vault, rotate

    vault = Vault.from_settings(_settings(db_url))
    database = _database(db_url)
    with database.write() as session:
        count = rotate(session, vault)
    click.echo(f"{count} cloud(s) re-encrypted under the first key")
