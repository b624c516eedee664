"""``refcore guidelines``: list, show, tests, validate (diff and draft: authoring)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from refcore.core.guidelines import STATUSES, Guideline, Issue
from refcore.errors import InvalidGuideline

from ._common import (
    LazyGroup,
    console,
    guidelines_option,
    json_option,
    load,
    pick,
    print_json,
    styled,
)


@click.group(
    cls=LazyGroup,
    lazy_commands={
        "diff": "refcore.cli.authoring:diff",
        "draft": "refcore.cli.authoring:draft",
        "edit": "refcore.cli.editing:edit",
        "ready": "refcore.cli.editing:ready",
    },
)
def guidelines() -> None:
    """Interop guidelines: list, show, test lists, validation, diffs, drafts and their editing."""


def _summary(g: Guideline) -> dict[str, object]:
    return {
        "id": g.id,
        "kind": g.kind,
        "add_on": g.add_on,
        "schema": g.schema,
        "status": g.status,
        "releases": list(g.releases),
        "target_approval": g.target_approval,
        "targets": list(g.targets),
        "capabilities": len(g.capabilities),
        "tests": sum(len(c.tests) for c in g.capabilities.values()),
        "cutoff_score": g.cutoff_score,
        "file": g.file,
        "warnings": len(g.warnings),
    }


@guidelines.command("list")
@guidelines_option
@json_option
def list_(guidelines_source: str | None, as_json: bool) -> None:
    """List every guideline of the source."""
    gs = load(guidelines_source)
    rows = [_summary(g) for g in gs.values()]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "schema", "status", "releases", "targets", "caps", "tests")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["kind"]),
            str(r["schema"]),
            str(r["status"] or ""),
            ", ".join(r["releases"]),  # type: ignore[arg-type]
            ", ".join(r["targets"]),  # type: ignore[arg-type]
            str(r["capabilities"]),
            str(r["tests"]),
        )
    console().print(table)


@guidelines.command()
@click.argument("guideline_id", metavar="ID")
@click.option("--target", default=None, help="Only this target's capabilities.")
@guidelines_option
@json_option
def show(
    guideline_id: str, target: str | None, guidelines_source: str | None, as_json: bool
) -> None:
    """Show a guideline (an id or a guideline file): metadata, targets and capabilities."""
    g, _ = pick(guideline_id, guidelines_source)
    targets = [target] if target else list(g.targets)
    data = _summary(g) | {
        "criteria": {k: {"name": c.name, "weight": c.weight} for k, c in g.criteria.items()},
        "programs": {
            t: {"title": g.target(t).title, "capabilities": g.capability_statuses(t)}
            for t in targets
        },
    }
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(
        f"[bold]{g.id}[/]  schema {g.schema}  status {g.status or '-'}  "
        f"releases {', '.join(g.releases) or '-'}  cut-off {g.cutoff_score or '-'}"
    )
    for t in targets:
        table = Table(
            "capability", "status", "project", "tests", "flagged", title=g.target(t).title
        )
        for name, status in g.capability_statuses(t).items():
            cap = g.capabilities.get(name)
            tests = len(cap.tests) if cap else 0
            flagged = sum(1 for x in cap.tests if x.flagged) if cap else 0
            table.add_row(
                name if cap else f"{name} (undefined)",
                styled(status),
                (cap.project if cap else "") or "",
                str(tests),
                str(flagged or ""),
            )
        out.print(table)


def _types(value: str | None) -> list[str] | None:
    if not value:
        return None
    types = [t.strip() for t in value.split(",") if t.strip()]
    bad = [t for t in types if t not in STATUSES]
    if bad:
        raise click.BadParameter(f"unknown status {', '.join(bad)} (use {', '.join(STATUSES)})")
    return types


@guidelines.command()
@click.argument("guideline_id", metavar="ID")
@click.option("--target", default="platform", show_default=True)
@click.option("--type", "types", default=None, help="Statuses, comma-separated (default: all).")
@click.option("--alias/--no-alias", default=True, show_default=True, help="List aliases too.")
@click.option("--flag/--no-flag", default=True, show_default=True, help="Keep flagged tests.")
@guidelines_option
def tests(
    guideline_id: str,
    target: str,
    types: str | None,
    alias: bool,
    flag: bool,
    guidelines_source: str | None,
) -> None:
    """Print a test list exactly as RefStack's /v1/guidelines/ID/tests does (ID or a file)."""
    g, _ = pick(guideline_id, guidelines_source)
    lines = g.test_list(target=target, types=_types(types), alias=alias, flag=flag)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


@guidelines.command()
@click.argument("what", metavar="[ID|FILE]", required=False)
@guidelines_option
@json_option
def validate(what: str | None, guidelines_source: str | None, as_json: bool) -> None:
    """Validate guidelines against the published schemas.

    Exit 0 when every file is usable (warnings are printed), 1 otherwise.
    """
    from refcore.readers.guidelines import load_file, resolve_source, schemas_in

    issues = []
    if what and Path(what).is_file():
        path = Path(what).resolve()
        # the schemas of the repository the file sits in, else of the given source
        roots = [p for p in path.parents[:3] if (p / "doc" / "source" / "schema").is_dir()]
        if not roots and guidelines_source:
            roots = [resolve_source(guidelines_source)]
        schemas = schemas_in(roots[0]) if roots else {}
        try:
            issues = load_file(path, rel=what, schemas=schemas).issues
        except InvalidGuideline as exc:
            issues = [Issue(what, "", str(exc), "error")]
    else:
        gs = load(guidelines_source)
        issues = list(gs.issues)
        for g in [gs[what]] if what else gs.values():
            issues += g.issues
    errors = [i for i in issues if i.severity == "error"]
    if as_json:
        print_json([_issue(i) for i in issues])
    else:
        out = console()
        for i in issues:
            out.print(styled(str(i), "failed" if i.severity == "error" else "skipped"))
        out.print(f"{len(errors)} errors, {len(issues) - len(errors)} warnings")
    sys.exit(1 if errors else 0)


def _issue(i: object) -> dict[str, str]:
    return {k: getattr(i, k) for k in ("file", "pointer", "severity", "message")}
