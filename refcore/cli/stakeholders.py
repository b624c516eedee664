"""``refcore stakeholders``: who works on the code behind the capabilities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click
from rich.table import Table

from ._common import console, json_option, print_json

F = TypeVar("F", bound=Callable[..., Any])


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def contrib_option(f: F) -> F:
    """``--contrib DIR`` (env REFCORE_CONTRIB)."""
    return click.option(
        "--contrib",
        "contrib_source",
        envvar="REFCORE_CONTRIB",
        metavar="DIR",
        help="Directory of <project>.gitlog.gz histories and governance-projects.yaml "
        "(default: shared/contrib or ../shared/contrib). Env: REFCORE_CONTRIB.",
    )(f)


@click.group()
def stakeholders() -> None:
    """Contributions by organisation, per project, designated section and period."""


@stakeholders.command()
@click.option("--project", required=True, help="Project, e.g. swift or keystone.")
@click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="First day (included).")
@click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Last day (included).")
@click.option(
    "--by",
    type=click.Choice(["organisation", "domain"]),
    default="organisation",
    show_default=True,
    help="Group by organisation (mapped domains; free-mail and unmapped shown as such) "
    "or by raw e-mail domain.",
)
@click.option("--section", help="Only commits touching this designated section's code.")
@click.option(
    "--git",
    "git_path",
    metavar="PATH",
    help="Read the history from this local git clone instead of the shipped files.",
)
@contrib_option
@json_option
def contributions(
    project: str,
    since: str | None,
    until: str | None,
    by: str,
    section: str | None,
    git_path: str | None,
    contrib_source: str | None,
    as_json: bool,
) -> None:
    """Commits and distinct authors per organisation (or domain), most commits first."""
    from refcore.core.code_areas import DEFAULT_SECTION_PATHS, section_paths, touches_any
    from refcore.core.contributions import count
    from refcore.readers.contrib import read_git, read_history

    if since and until and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}", param_hint="--since")
    touches = None
    if section is not None:
        patterns = section_paths(project, section)
        if patterns is None:
            known = ", ".join(sorted(DEFAULT_SECTION_PATHS.get(project.lower(), {}))) or "none"
            raise click.BadParameter(
                f"no code paths known for section {section!r} of {project} (known: {known})",
                param_hint="--section",
            )
        touches = touches_any(patterns)
    commits = read_git(git_path) if git_path else read_history(project, contrib_source)
    result = count(
        project.lower(),
        commits,
        since=since,
        until=until,
        by=by,
        touches=touches,
        area=section.lower() if section else None,
    )
    if as_json:
        print_json(result.to_dict())
        return
    out = console()
    period = f"{since or 'start'} .. {until or 'now'}"
    area = f", section {section}" if section else ""
    title = f"{project}{area}, {period}: {result.commits} commits, {result.authors} authors"
    table = Table(title=title)
    for col in ("name", "kind", "commits", "authors", "share"):
        table.add_column(col, justify="right" if col in ("commits", "authors", "share") else "left")
    for g in result.groups:
        row = g.to_dict(result.commits)
        table.add_row(g.name, g.kind, str(g.commits), str(row["authors"]), f"{row['share']:.1%}")
    out.print(table)
    if by == "organisation" and result.commits:
        out.print(
            f"affiliation hidden (free-mail or unmapped domains): {result.hidden_share():.1%}"
        )
