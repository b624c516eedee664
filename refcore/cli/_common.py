"""Options and output helpers shared by the command modules."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

from refcore.core.guidelines import Guideline, GuidelineSet

F = TypeVar("F", bound=Callable[..., Any])


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use: ``{"name": "module:attr"}``."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.lazy_commands = lazy_commands if lazy_commands is not None else {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = self.lazy_commands.get(name)
        if spec is None:
            return super().get_command(ctx, name)
        module, attr = spec.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


#: colours for capability statuses and test states, shared by every table
STATUS_STYLE = {
    "required": "bold red",
    "advisory": "yellow",
    "deprecated": "magenta",
    "removed": "dim",
    "informational": "cyan",
    "passed": "green",
    "failed": "red",
    "skipped": "yellow",
    "not_run": "dim",
    "allowed": "green",
    "refused": "red",
    "not_applicable": "dim",
}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def guidelines_option(f: F) -> F:
    """``--guidelines PATH|URL`` (env REFCORE_GUIDELINES)."""
    return click.option(
        "--guidelines",
        "guidelines_source",
        envvar="REFCORE_GUIDELINES",
        metavar="PATH|URL",
        help="Directory laid out like the interop repository, or its URL "
        "(fetched once into the cache). Env: REFCORE_GUIDELINES.",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(f)


def load(source: str | None) -> GuidelineSet:
    from refcore.readers.guidelines import load_guidelines

    return load_guidelines(source)


def pick(ref: str, source: str | None) -> tuple[Guideline, GuidelineSet]:
    """A guideline id of the source or the path of a guideline file (a draft): every command
    that takes a guideline takes either. Returns it and the set it joins."""
    from refcore.readers.guidelines import guideline_ref

    return guideline_ref(ref, source)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def styled(text: str, key: str | None = None) -> str:
    style = STATUS_STYLE.get(key or text)
    return f"[{style}]{text}[/]" if style else text
