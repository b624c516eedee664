"""``refcore guidelines diff`` and ``refcore guidelines draft``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from refcore.core.diff import GuidelineDiff, diff_guidelines
from refcore.errors import ScoringError

from ._common import console, guidelines_option, json_option, pick, print_json, styled
from .scoring import read_worksheet, resolve_guideline


@click.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@guidelines_option
@json_option
def diff(a: str, b: str, guidelines_source: str | None, as_json: bool) -> None:
    """What changed from guideline A to B (ids or files)."""
    result = diff_guidelines(
        resolve_guideline(a, guidelines_source), resolve_guideline(b, guidelines_source)
    )
    if as_json:
        print_json(result.to_dict())
    else:
        print_diff(result)


def print_diff(d: GuidelineDiff) -> None:
    out = console()
    out.print(f"[bold]{d.a} -> {d.b}[/]")
    if d.empty:
        out.print("no differences")
        return
    for title, names in (
        ("capabilities added", d.capabilities_added),
        ("capabilities removed", d.capabilities_removed),
    ):
        if names:
            out.print(f"{title} ({len(names)}): {', '.join(names)}")
    if d.status_changes:
        table = Table("target", "capability", "from", "to", title="status changes")
        for c in d.status_changes:
            table.add_row(c.target, c.capability, styled(c.before or "-"), styled(c.after or "-"))
        out.print(table)
    for title, changes in (
        ("tests added", d.tests_added),
        ("tests removed", d.tests_removed),
        ("tests renamed", d.tests_renamed),
        ("tests moved", d.tests_moved),
        ("flags added", d.flags_added),
        ("flags cleared", d.flags_cleared),
    ):
        if not changes:
            continue
        out.print(f"{title} ({len(changes)}):")
        for t in changes:
            extra = f" (was {t.old_name})" if t.old_name and title == "tests renamed" else ""
            if title == "tests moved":
                extra = f" ({', '.join(t.old_capabilities)} -> {', '.join(t.capabilities)})"
            if t.flag_reason:
                extra = f" ({t.flag_reason})"
            out.print(f"  {t.name}{extra}")
    for s in d.sections:
        what = s.get("section") or s.get("status")
        out.print(f"designated sections: {s['project']} / {what}: {s['change']}")
    for key, w in d.weights.items():
        out.print(f"weight {key}: {w['from']} -> {w['to']}")
    if d.cutoff:
        out.print(f"cutoff_score: {d.cutoff['from']} -> {d.cutoff['to']}")
    for key, m in d.metadata.items():
        out.print(f"{key}: {m['from']} -> {m['to']}")


@click.command()
@click.option("--from", "base_id", required=True, metavar="ID", help="Base guideline (schema 2.0).")
@click.option("--scores", "worksheet", required=True, metavar="WORKSHEET")
@click.option("--id", "new_id", required=True, metavar="NEW", help="Id of the new guideline.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Default: NEW.json.")
@click.option("--replaces", default=None, help="Guideline it supersedes (default: see docs).")
@click.option(
    "--keep-releases",
    is_flag=True,
    help="Keep the base's releases (default: rolled forward one release).",
)
@click.option(
    "--candidates",
    "candidates_file",
    type=click.Path(dir_okay=False),
    metavar="REPORT",
    help="A must-pass candidate report (JSON of GET /v2/scoring/ID/candidates): "
    "its tests enter the draft as advisory.",
)
@guidelines_option
@json_option
def draft(
    base_id: str,
    worksheet: str,
    new_id: str,
    out_file: str | None,
    replaces: str | None,
    keep_releases: bool,
    candidates_file: str | None,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Write a draft guideline from a base and a worksheet's scores (2016A rules), and the
    tests of a candidate report as advisory; validate it against the 2.0 schema and print
    its diff against the base."""
    from refcore.core.candidate_drafts import Adopted, adopt_candidates
    from refcore.core.drafting import draft_guideline
    from refcore.core.validation import validate_document
    from refcore.readers.guidelines import resolve_source, schemas_in

    base, gs = pick(base_id, guidelines_source)
    sheet = read_worksheet(worksheet)
    schema = schemas_in(resolve_source(guidelines_source)).get("2.0")
    if schema is None:
        raise ScoringError(
            "the guideline source has no doc/source/schema/2.0.json to validate with"
        )
    if replaces is None and base.kind == "powered" and base.id == "next":
        latest = gs.latest_approved()
        replaces = latest.id if latest else None
    result = draft_guideline(
        base,
        sheet.marks(),
        new_id,
        schema=schema,
        replaces=replaces,
        roll_releases=not keep_releases,
    )
    adopted: Adopted | None = None
    if candidates_file:
        adopted = adopt_candidates(
            result.doc, _read_report(candidates_file), date=date.today().isoformat()
        )
        result.doc = adopted.doc
        result.issues = validate_document(
            result.doc, schema, file=f"{new_id}.json", schema_name="2.0.json"
        )
    target = Path(out_file or f"{new_id}.json")
    try:
        target.write_text(json.dumps(result.doc, indent=4, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ScoringError(f"{target}: cannot write the draft: {exc}") from None
    changes = diff_guidelines(base, result.guideline())
    if as_json:
        print_json(
            {
                "file": str(target),
                "draft": result.to_dict(),
                "candidates": adopted.to_dict() if adopted else None,
                "diff": changes.to_dict(),
            }
        )
        return
    out = console()
    out.print(f"wrote {target}")
    for issue in result.issues:
        out.print(styled(f"schema: {issue}", "failed"))
    out.print(f"validates against 2.0.json: {'yes' if not result.issues else 'NO'}")
    for cap, why in result.unplaced.items():
        out.print(f"not placed: {cap}: {why}")
    if adopted is not None:
        for cap, tests in adopted.added.items():
            new = " (new, advisory)" if cap in adopted.created else ""
            out.print(f"candidates added to {cap}{new}: {len(tests)}")
        for test, why in adopted.skipped.items():
            out.print(f"candidate not added: {test}: {why}")
    print_diff(changes)


def _read_report(path: str) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoringError(f"{path}: cannot read the candidate report: {exc}") from None
    except ValueError as exc:
        raise ScoringError(f"{path}: the candidate report is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ScoringError(f"{path}: the candidate report is not a JSON object")
    return doc
