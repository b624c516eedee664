"""``refcore clouds``: the keys that encrypt registered clouds' credentials (continuous
compliance, docs/continuous.md)."""

from __future__ import annotations

from typing import Any, TypeVar

import click

from refcore.cli._common import guidelines_option
from refcore.cli.admin import _database, _db_option, _settings

F = TypeVar("F", bound=Any)


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


#: kombu transports a site may name in --broker / REFCORE_TASK_BROKER_URL
_TRANSPORTS = (
    "amqp",
    "amqps",
    "pyamqp",
    "redis",
    "rediss",
    "sentinel",
    "sqla",
    "sqlalchemy",
    "sqs",
)


def _broker_option(f: F) -> F:
    return click.option(
        "--broker",
        "broker_url",
        envvar="REFCORE_TASK_BROKER_URL",
        metavar="URL",
        help="The task engine's broker: amqp://guest:guest@127.0.0.1:5672// (RabbitMQ), "
        "redis://127.0.0.1:6379/0, or sqla+sqlite:///PATH (default: the embedded one, a SQLite "
        "file beside the database). Env: REFCORE_TASK_BROKER_URL.",
    )(f)


def _engine(db_url: str | None, broker_url: str | None, **extra: object):  # type: ignore[no-untyped-def]
    from refcore.errors import RefcoreError
    from refcore.tasks.engine import configure

    settings = _settings(db_url, task_broker_url=broker_url, **extra)
    scheme = settings.broker_url.split("://", 1)[0].split("+", 1)[0].lower()
    if "://" not in settings.broker_url or scheme not in _TRANSPORTS:
        shown = repr(scheme) if "://" in settings.broker_url else "a value without scheme://"
        raise RefcoreError(
            f"--broker: {shown} is no broker refcore knows: give "
            "amqp://USER:PASS@HOST:5672// (RabbitMQ), redis://HOST:6379/0 or sqla+<SQLAlchemy URL>"
        )
    _database(db_url)  # migrated before anything runs
    return settings, configure(settings)


@click.command()
@_db_option
@_broker_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs this worker runs at once (each is one `refcore test`).",
)
@click.option(
    "--tempest",
    "tempest",
    envvar="REFCORE_WORKER_TEMPEST",
    help="tempest executable or a venv holding one. Env: REFCORE_WORKER_TEMPEST.",
)
@click.option(
    "--workspace",
    envvar="REFCORE_WORKER_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Where each cloud's workspace lives (default: `worker` in refcore's data "
    "directory). Env: REFCORE_WORKER_WORKSPACE.",
)
@click.option("--name", help="This worker's name in the jobs (default: host:pid).")
@click.option(
    "--loglevel",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
def worker(
    db_url: str | None,
    broker_url: str | None,
    concurrency: int,
    tempest: str | None,
    workspace: str | None,
    name: str | None,
    loglevel: str,
) -> None:
    """Run registered clouds' jobs (continuous compliance) until stopped.

    Needs the server's database (--db), broker (--broker) and credentials keys
    (REFCORE_CREDENTIALS_KEYS); may run on any machine that reaches the three. A worker
    killed mid-job leaves the job to be retried (docs/continuous.md)."""
    import os
    import socket

    from refcore.services.vault import Vault
    from refcore.tasks.engine import configure, queues

    settings, _ = _engine(db_url, broker_url, worker_tempest=tempest, worker_workspace=workspace)
    Vault.from_settings(settings).check()  # bad keys: one line now, not a failed job later
    node = name or f"{socket.gethostname()}:{os.getpid()}"
    app = configure(settings, worker=node)
    jobs_queue = queues(settings)[0]
    click.echo(f"refcore worker {node}: {concurrency} job(s) at a time, queue {jobs_queue}")
    app.worker_main(
        [
            "worker",
            "--queues", jobs_queue,
            "--pool", "threads",
            "--concurrency", str(concurrency),
            "--hostname", f"{settings.task_queue}-worker-{node.replace(':', '-')}@%h",
            "--loglevel", loglevel.upper(),
            "--without-gossip", "--without-mingle",
        ]
    )  # fmt: skip


@click.command()
@_db_option
@_broker_option
@click.option(
    "--interval",
    type=click.FloatRange(0.5, 3600),
    envvar="REFCORE_SCHEDULER_INTERVAL_SECONDS",
    help="Seconds between ticks (default 30). Env: REFCORE_SCHEDULER_INTERVAL_SECONDS.",
)
@click.option(
    "--loglevel",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
def scheduler(
    db_url: str | None, broker_url: str | None, interval: float | None, loglevel: str
) -> None:
    """Queue the registered clouds' scheduled runs and hand jobs to the workers, until stopped.

    Celery beat sends a tick every --interval seconds; this process runs the ticks: it
    queues the runs that are due, re-queues the jobs of workers that stopped answering and
    dispatches queued jobs. Run one per site, beside the server."""
    import hashlib
    import tempfile
    from pathlib import Path

    from refcore.tasks.engine import queues

    settings, app = _engine(db_url, broker_url, scheduler_interval_seconds=interval)
    schedule = (
        Path(tempfile.gettempdir())
        / f"refcore-beat-{hashlib.sha256(settings.broker_url.encode()).hexdigest()[:12]}"
    )
    click.echo(f"refcore scheduler: a tick every {settings.scheduler_interval_seconds:g} s")
    app.worker_main(
        [
            "worker",
            "--beat",
            "--schedule", str(schedule),
            "--queues", queues(settings)[1],
            "--pool", "solo",
            "--hostname", f"{settings.task_queue}-scheduler@%h",
            "--loglevel", loglevel.upper(),
            "--without-gossip", "--without-mingle",
        ]
    )  # fmt: skip


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
    with database.session(write=True) as session:  # claiming an alert writes
        sent = check_with_settings(session, settings, source, cloud_id=cloud_id)
    for a in sent:
        click.echo(f"{a['kind']}: {a['subject']} (e-mail {a['email']}, webhook {a['webhook']})")
    click.echo(f"{len(sent)} alert(s) sent")
