"""``refcore sandbox up|down|status``: a real Keystone + Swift on 127.0.0.1 to test against."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import click
from rich.table import Table

from ._common import console, json_option, print_json

DEFAULT_DIR_ENV = "REFCORE_SANDBOX_DIR"


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
    "container, account, memcached). Saved on first `up`.",
)


@click.group()
def sandbox() -> None:
    """A tiny real cloud (Keystone + Swift + memcached) on 127.0.0.1 for `refcore test`."""


@sandbox.command()
@dir_option
@ports_option
def up(directory: Path | None, ports: str | None) -> None:
    """Install (once), configure and start the sandbox; what already runs is kept."""
    from refcore.runner.sandbox import Ports, Sandbox

    root = directory or _default_dir()
    err = console(stderr=True)
    box = Sandbox(root, Ports.parse(ports) if ports else None, say=lambda m: err.print(m))
    _print_status(box, box.up())
    out = console()
    out.print(
        f"\nexport OS_CLIENT_CONFIG_FILE={box.clouds_yaml}\n"
        f"refcore test --cloud refcore-sandbox --guideline 2020.06 --target object "
        f"--tempest {box.tempest}\n"
        f"(non-admin: --cloud refcore-sandbox-member --accounts {box.accounts_yaml})"
    )


@sandbox.command()
@dir_option
def down(directory: Path | None) -> None:
    """Stop exactly the processes `up` started."""
    from refcore.runner.sandbox import Sandbox

    box = Sandbox(directory or _default_dir())
    stopped = box.down()
    console().print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


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
                "clouds_yaml": str(box.clouds_yaml),
                "accounts_yaml": str(box.accounts_yaml),
                "tempest": str(box.tempest),
                "services": [asdict(s) for s in states],
            }
        )
    else:
        _print_status(box, states)
    raise SystemExit(0 if all(s.running and s.answers for s in states) else 1)


def _print_status(box: object, states: list) -> None:  # type: ignore[type-arg]
    table = Table("service", "address", "pid", "state", "log", title=f"sandbox {box.root}")  # type: ignore[attr-defined]
    for s in states:
        state = (
            "[green]up[/]"
            if s.running and s.answers
            else ("[yellow]running, not answering[/]" if s.running else "[dim]stopped[/]")
        )
        table.add_row(s.name, f"127.0.0.1:{s.port}", str(s.pid or ""), state, s.log or "")
    console().print(table)
