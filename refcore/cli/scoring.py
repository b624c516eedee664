"""``refcore scoring``: check a worksheet, suggest criteria from evidence, what-if."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from refcore.core.guidelines import Guideline
from refcore.core.scoring import Scoring
from refcore.core.worksheets import Worksheet, check_worksheet, parse_worksheet
from refcore.errors import ScoringError

from ._common import console, guidelines_option, json_option, pick, print_json, styled


@click.group()
def scoring() -> None:
    """Scoring worksheets, criteria computed from evidence, and what-if."""


def resolve_guideline(spec: str, source: str | None) -> Guideline:
    """A guideline id of the source, or the path of a guideline file."""
    return pick(spec, source)[0]


def read_worksheet(path: str) -> Worksheet:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScoringError(f"{path}: no such worksheet") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoringError(f"{path}: cannot read the worksheet: {exc}") from None
    sheet = parse_worksheet(text, source=path)
    if not sheet.rows:
        raise ScoringError(f"{path}: no scored rows found (not a scoring worksheet?)")
    return sheet


@scoring.command()
@click.argument("worksheet", metavar="WORKSHEET")
@click.option(
    "--guideline",
    "guideline_spec",
    required=True,
    metavar="FILE_OR_ID",
    help="Guideline whose weights and cut-off score the sheet (next, dns.next, a file).",
)
@guidelines_option
@json_option
def check(
    worksheet: str, guideline_spec: str, guidelines_source: str | None, as_json: bool
) -> None:
    """Recompute every row's total and star with the guideline's weights.

    Exit 0 when every row agrees with the sheet, 1 when any disagrees (each
    is reported with its line number), 2 on bad input.
    """
    guideline = resolve_guideline(guideline_spec, guidelines_source)
    weights = Scoring.from_guideline(guideline)
    if weights.cutoff is None:
        raise ScoringError(
            f"guideline {guideline.id} has no cutoff_score (none before 2016.01): "
            "stars cannot be checked"
        )
    sheet = read_worksheet(worksheet)
    checks = check_worksheet(sheet, weights)
    bad = [c for c in checks if not c.matches]
    if as_json:
        print_json([c.to_dict() for c in checks])
    else:
        out = console()
        for c in bad:
            click.echo(f"{worksheet}: {c.describe()}")
        verdict = styled("OK", "passed") if not bad else styled("MISMATCH", "failed")
        out.print(
            f"{verdict} {len(checks) - len(bad)}/{len(checks)} rows reproduce with the "
            f"weights of {guideline.id} (total weight {weights.total_weight}, "
            f"cut-off {weights.cutoff})"
        )
    sys.exit(1 if bad else 0)


@scoring.command()
@click.option("--guideline", "guideline_id", required=True, metavar="ID")
@click.option(
    "--runs",
    "runs_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Directory of test runs (one cloud per cpid; the latest run of each counts).",
)
@click.option(
    "--usage",
    "usage_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Client/tool usage declaration (YAML or JSON); repeatable.",
)
@click.option(
    "--k",
    "--min-clouds",
    "k",
    default=None,
    type=int,
    help="k-anonymity: distinct vendors (here: run files' clouds) needed before runs count, "
    "and usage declarations before an unused capability is 0 (default 3).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Show every capability, not only differences."
)
@guidelines_option
@json_option
def suggest(
    guideline_id: str,
    runs_dir: str | None,
    usage_files: tuple[str, ...],
    k: int | None,
    show_all: bool,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Criteria computed from evidence next to the guideline's recorded achievements."""
    from refcore.core.evidence import DEFAULT_K, suggest_marks
    from refcore.readers.evidence import read_run_records, read_usage

    guideline, gs = pick(guideline_id, guidelines_source)
    records = read_run_records(runs_dir) if runs_dir else None
    usage = [read_usage(f) for f in usage_files] or None
    result = suggest_marks(
        guideline,
        gs,
        runs=records,
        usage=usage,
        k=k if k is not None else DEFAULT_K,
    )
    if as_json:
        print_json(result.to_dict())
        return
    out = console()
    keys = result.criteria
    table = Table("capability", *keys, "differs", title=f"{guideline.id}: computed / recorded")
    for cap in result.capabilities:
        if not show_all and not cap.differences:
            continue
        cells = []
        for key in keys:
            mark = cap.marks.get(key)
            recorded = "1" if key in cap.recorded else "0"
            if mark is None:
                cells.append(f"-/{recorded}")
            else:
                text = f"{mark.value}/{recorded}"
                style = "failed" if key in cap.differences else None
                cells.append(styled(text, style) if style else text)
        table.add_row(cap.name, *cells, ", ".join(cap.differences))
    out.print(table)
    for note in result.notes:
        out.print(f"note: {note}")
    n = sum(1 for c in result.capabilities if c.differences)
    out.print(f"{n} of {len(result.capabilities)} capabilities differ from their achievements")


@scoring.command()
@click.argument("guideline_a", metavar="A")
@click.argument("guideline_b", metavar="B")
@click.argument("runs", nargs=-1, metavar="RUN...")
@click.option("--runs", "runs_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--target", default="platform", show_default=True)
@guidelines_option
@json_option
def whatif(
    guideline_a: str,
    guideline_b: str,
    runs: tuple[str, ...],
    runs_dir: str | None,
    target: str,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Which runs meet guideline A, which would meet B, and what each would miss."""
    from refcore.core.whatif import what_if
    from refcore.readers.evidence import run_files
    from refcore.readers.runs import read_run

    files = list(runs) + (run_files(runs_dir) if runs_dir else [])
    if not files:
        raise click.UsageError("give RUN files or --runs DIR")
    a, _ = pick(guideline_a, guidelines_source)
    b, _ = pick(guideline_b, guidelines_source)
    result = what_if({f: read_run(f) for f in files}, a, b, target)
    if as_json:
        print_json(result.to_dict())
        return
    out = console()
    table = Table("run", f"meets {a.id}", f"meets {b.id}", f"missing for {b.id}")
    for row in result.rows:
        table.add_row(
            row.label,
            styled("yes", "passed") if row.meets_a else styled("no", "failed"),
            styled("yes", "passed") if row.meets_b else styled("no", "failed"),
            str(len(row.missing_b)),
        )
    out.print(table)
    for row in result.rows:
        by_cap: dict[str, int] = {}
        for cap, _test in row.missing_b:
            by_cap[cap] = by_cap.get(cap, 0) + 1
        if by_cap:
            caps = ", ".join(f"{c} ({n})" for c, n in by_cap.items())
            click.echo(f"{row.label} would miss {len(by_cap)} capabilities of {b.id}: {caps}")
