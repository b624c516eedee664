"""The ``refcore`` command line.

Each command group lives in its own module and is imported only when used
(``LAZY_COMMANDS``), so ``refcore --help`` and offline commands start fast.
Errors: a :class:`~refcore.errors.RefcoreError` becomes one line on stderr and
exit status 2 (bad input); commands that judge something exit 1 for "no".
"""

from __future__ import annotations

import sys
from typing import Any

import click

from refcore.cli._common import LazyGroup
from refcore.version import __version__

__all__ = ["LAZY_COMMANDS", "main"]

#: command name -> "module:attribute"; add a line here for a new command group
LAZY_COMMANDS: dict[str, str] = {
    "guidelines": "refcore.cli.guidelines:guidelines",
    "report": "refcore.cli.report:report",
    "scoring": "refcore.cli.scoring:scoring",
    "sections": "refcore.cli.verdict:sections",
    "verdict": "refcore.cli.verdict:verdict",
    "serve": "refcore.cli.admin:serve",
    "db": "refcore.cli.admin:db",
    "admin": "refcore.cli.admin:admin",
    "sandbox": "refcore.cli.sandbox:sandbox",
    "test": "refcore.cli.test:test",
    "upload": "refcore.cli.upload:upload",
    "sign": "refcore.cli.upload:sign",
    "stakeholders": "refcore.cli.stakeholders:stakeholders",
    "certification": "refcore.cli.certification:certification",
    "clouds": "refcore.cli.clouds:clouds",
    "worker": "refcore.cli.clouds:worker",
    "scheduler": "refcore.cli.clouds:scheduler",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="refcore")
def cli() -> None:
    """refcore: OpenStack interop guidelines, test results, scoring and trademark verdicts."""


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: RefcoreError -> one line on stderr, exit 2."""
    from refcore.errors import RefcoreError

    try:
        return cli.main(args=argv, prog_name="refcore", standalone_mode=False)
    except RefcoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
