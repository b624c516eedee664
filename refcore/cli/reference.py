"""The CLI reference (docs/cli.md), written from the commands' own help.

``python -m refcore.cli.reference > docs/cli.md`` regenerates it; a test fails
when the file and the commands disagree.
"""

from __future__ import annotations

import click

__all__ = ["render"]


def _walk(command: click.Command, ctx: click.Context) -> list[tuple[str, str]]:
    out = [(ctx.command_path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = click.Context(
                sub, info_name=name, parent=ctx, terminal_width=88, max_content_width=88
            )
            out += _walk(sub, sub_ctx)
    return out


def render() -> str:
    from refcore.cli import cli

    settings = {**cli.context_settings, "terminal_width": 88, "max_content_width": 88}
    ctx = click.Context(cli, info_name="refcore", **settings)
    parts = [
        "# CLI reference\n",
        "Generated from the commands' help by `python -m refcore.cli.reference > docs/cli.md`;",
        "`tests/test_docs.py` fails when this file is out of date.\n",
    ]
    for path, text in _walk(cli, ctx):
        parts += [f"## `{path}`\n", "```", text.rstrip(), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
