"""``refcore clouds``: the keys that encrypt registered clouds' credentials (continuous
compliance, docs/continuous.md)."""

from __future__ import annotations

import click

from refcore.cli._common import guidelines_option
from refcore.cli.admin import _database, _db_option, _settings


@click.group()
def clouds() -> None:
    """Registered clouds: the keys that encrypt their credentials, their alerts."""


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


@clouds.command("check-alerts")
@click.option("--cloud", "cloud_id", default=None, help="Only this cloud (its id).")
@_db_option
@guidelines_option
def check_alerts(cloud_id: str | None, db_url: str | None, guidelines_source: str | None) -> None:
    """E-mail and POST the alerts not sent yet: regressions in each cloud's newest run,
    lapses (no passing run for REFCORE_CONTINUOUS_LAPSE_DAYS). Each is sent once, however
    often this runs (the workers also check after each job and on each tick)."""
    from refcore.services.guidelines import LoadedSource
    from refcore.services.watch import check_with_settings

    settings = _settings(db_url)
    database = _database(db_url)
    source = LoadedSource(guidelines_source)
    with database.read() as session:
        sent = check_with_settings(session, settings, source, cloud_id=cloud_id)
    for a in sent:
        click.echo(f"{a['kind']}: {a['subject']} (e-mail {a['email']}, webhook {a['webhook']})")
    click.echo(f"{len(sent)} alert(s) sent")
