"""``refcore sandbox up|down|status``: a real tiny OpenStack cloud on 127.0.0.1 to test against."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import click
from rich.table import Table

from ._common import console, json_option, print_json

DEFAULT_DIR_ENV = "REFCORE_SANDBOX_DIR"
PROGRAM_CHOICES = ("object", "compute", "platform")


def _default_dir() -> Path:
    env = os.environ.get(DEFAULT_DIR_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("refcore")) / "sandbox"


dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Directory the sandbox owns (default: refcore's data dir; env {DEFAULT_DIR_ENV}).",
)
ports_option = click.option(
    "--ports",
    default=None,
    metavar="NAME=PORT,...",
    help="Ports to use, e.g. keystone=5001,swift=8081 (names: keystone, swift, object, "
    "container, account, memcached, glance, placement, nova, neutron, cinder; and where the "
    "machine's mariadb, postgresql, rabbitmq answer). Saved on first `up`.",
)


@click.group()
def sandbox() -> None:
    """A tiny real OpenStack cloud on 127.0.0.1 for `refcore test`."""


@sandbox.command()
@dir_option
@ports_option
@click.option(
    "--program",
    type=click.Choice(PROGRAM_CHOICES),
    default=None,
    help="What to run: object (Keystone + Swift), compute (Keystone, Placement, Glance, "
    "Neutron, Nova, Cinder) or platform (both). Default: what this sandbox ran before, "
    "else object.",
)
@click.option(
    "--services",
    default=None,
    metavar="NAME,...",
    help="Components to run (with what they need): swift, placement, glance, neutron, nova, "
    "cinder. Adds to --program.",
)
@click.option(
    "--database",
    type=click.Choice(("auto", "mariadb", "postgresql", "sqlite")),
    default="auto",
    show_default=True,
    help="Where the services keep their data: auto takes the machine's MariaDB, then "
    "PostgreSQL, on 127.0.0.1, and SQLite (Keystone only) when neither answers.",
)
def up(
    directory: Path | None,
    ports: str | None,
    program: str | None,
    services: str | None,
    database: str,
) -> None:
    """Install (once), configure, start and prove the sandbox; what already runs is kept."""
    from refcore.runner.sandbox import Ports, Sandbox

    root = directory or _default_dir()
    err = console(stderr=True)
    box = Sandbox(root, Ports.parse(ports) if ports else None, say=lambda m: err.print(m))
    states = box.up(program, services, database)
    _print_status(box, states)
    target = (
        "platform"
        if {"swift", "nova"} <= set(box.components)
        else ("compute" if "nova" in box.components else "object")
    )
    extra = ""
    if "nova" in box.components:
        extra = (
            f" --image {box.image} --network public --tempest-conf-override {box.tempest_overrides}"
        )
    console().print(
        f"\nexport OS_CLIENT_CONFIG_FILE={box.clouds_yaml}\n"
        f"refcore test --cloud refcore-sandbox --guideline 2020.06 --target {target} "
        f"--tempest {box.tempest}{extra}\n"
        f"(non-admin: --cloud refcore-sandbox-member --accounts {box.accounts_yaml})"
    )


@sandbox.command()
@dir_option
@click.option(
    "--purge",
    is_flag=True,
    help="Also drop the sandbox's databases and RabbitMQ vhost, remove the files it wrote "
    "and the venvs (shared with other sandboxes: they install them again).",
)
@click.option("--keep-venvs", is_flag=True, help="With --purge: leave the venv cache alone.")
def down(directory: Path | None, purge: bool, keep_venvs: bool) -> None:
    """Stop exactly the processes `up` started."""
    from refcore.runner.sandbox import Sandbox

    box = Sandbox(directory or _default_dir())
    stopped = box.down(purge=purge, venvs=not keep_venvs)
    out = console()
    out.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    if purge:
        venvs = "" if keep_venvs else f" and the venvs in {box.venvs.root}"
        out.print(f"purged: {box.root} (databases, vhost, files){venvs}")


@sandbox.command()
@dir_option
@json_option
def status(directory: Path | None, as_json: bool) -> None:
    """What runs where. Exit 0 when every service runs and answers, else 1."""
    from refcore.runner.sandbox import Sandbox

    box = Sandbox(directory or _default_dir())
    states = box.status()
    if as_json:
        print_json(
            {
                "dir": str(box.root),
                "components": list(box.components),
                "database": box.database.label if box.database else None,
                "clouds_yaml": str(box.clouds_yaml),
                "accounts_yaml": str(box.accounts_yaml),
                "tempest": str(box.tempest),
                "image": str(box.image) if box.image.is_file() else None,
                "tempest_overrides": (
                    str(box.tempest_overrides) if box.tempest_overrides.is_file() else None
                ),
                "venvs": str(box.venvs.root),
                "services": [asdict(s) for s in states],
            }
        )
    else:
        _print_status(box, states)
    raise SystemExit(0 if states and all(s.running and s.answers for s in states) else 1)


def _print_status(box: object, states: list) -> None:  # type: ignore[type-arg]
    table = Table(
        "service",
        "endpoint",
        "pid",
        "health",
        "what",
        "log",
        title=f"sandbox {box.root}",  # type: ignore[attr-defined]
    )
    for s in states:
        if s.kind == "machine":
            health = "[green]answers[/]" if s.answers else "[red]does not answer[/]"
        elif s.running and s.answers:
            health = "[green]up[/]"
        else:
            health = "[yellow]running, not answering[/]" if s.running else "[dim]stopped[/]"
        pid = str(s.pid or "") if s.kind == "service" else "(machine)"
        table.add_row(s.name, s.endpoint, pid, health, s.detail, s.log or "")
    if not states:
        table.caption = "nothing set up here: refcore sandbox up"
    console().print(table)
