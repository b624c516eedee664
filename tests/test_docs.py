"""The docs describe what the code has: every setting, every CLI command."""

from __future__ import annotations

from pathlib import Path

import click

from refcore.cli import LAZY_COMMANDS, cli
from refcore.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "server.md").read_text()
    for name in Settings.model_fields:
        env = f"REFCORE_{name.upper()}"
        assert f"| `{name}` | `{env}` |" in doc, (
            f"setting {name} ({env}) missing from docs/server.md"
        )


def _commands(group: click.Group, ctx: click.Context, prefix: str = "refcore") -> list[str]:
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            # a group taking arguments (`guidelines edit FILE add-alias`) names them on the way
            args = [p.human_readable_name for p in command.params if isinstance(p, click.Argument)]
            out += _commands(command, ctx, " ".join([prefix, name, *args]))
    return out


def test_every_command_is_documented() -> None:
    """Each command group appears in README.md or docs/*.md, and every command has help."""
    text = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))
    )
    ctx = click.Context(cli)
    commands = _commands(cli, ctx)
    assert {c.split()[1] for c in commands} == set(LAZY_COMMANDS)
    for command in commands:
        assert command in text, f"`{command}` is not mentioned in README.md or docs/"


def test_cli_reference_is_current() -> None:
    from refcore.cli.reference import render

    assert (ROOT / "docs" / "cli.md").read_text() == render(), (
        "docs/cli.md is out of date: python -m refcore.cli.reference > docs/cli.md"
    )


def test_every_command_mentioned_exists() -> None:
    """The reverse: a `refcore <command>` named in the README, the docs, the web pages or
    the code's docstrings is a real command (the home page once said `refcore run`)."""
    import re

    ctx = click.Context(cli)
    groups = {c.split()[1] for c in _commands(cli, ctx)}
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "refcore").rglob("*.html")) + sorted((ROOT / "refcore").rglob("*.py"))
    mentioned = re.compile(r"(?:`|``|<code[^>]*>|\$ )refcore ([a-z][a-z-]+)")
    wrong = [
        f"{path.relative_to(ROOT)}: refcore {name}"
        for path in files
        for name in mentioned.findall(path.read_text(encoding="utf-8"))
        if name not in groups
    ]
    assert wrong == []
