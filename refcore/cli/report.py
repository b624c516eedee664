"""``refcore report RUN [RUN ...]``: does a test run (or several runs of one cloud,
merged) meet a guideline/target?"""

from __future__ import annotations

import sys

import click
from rich.table import Table

from refcore.core.compliance import ComplianceReport, TestState, evaluate, evaluate_all

from ._common import console, guidelines_option, json_option, load, pick, print_json, styled


@click.command()
@click.argument("run_files", metavar="RUN...", nargs=-1, required=True)
@click.option("--guideline", "guideline_id", help="Guideline id, e.g. 2020.06 or dns.2020.06.")
@click.option("--target", default="platform", show_default=True, help="Program (target).")
@click.option("--all", "all_", is_flag=True, help="List every guideline x target the run meets.")
@click.option("--format", "fmt", default=None, help="Force the results format (default: detect).")
@click.option("--tests", "show_tests", is_flag=True, help="Show every test, not only the misses.")
@guidelines_option
@json_option
def report(
    run_files: tuple[str, ...],
    guideline_id: str | None,
    target: str,
    all_: bool,
    fmt: str | None,
    show_tests: bool,
    guidelines_source: str | None,
    as_json: bool,
) -> None:
    """Evaluate RUN (subunit v1/v2, RefStack JSON, JUnit XML or a list of
    passed tests) against a guideline and target.

    Several RUNs of one cloud are merged first, in the order given, later runs
    taken as re-runs: a test that passed in any run counts as passed (shown as
    passed after retry when another run did not pass it), one that never passed
    keeps its latest outcome; runs of different clouds are refused.

    Exit 0 when the run meets it (with --all: meets at least one), 1 when
    not, 2 on bad input.
    """
    from refcore.core.reruns import MERGE_RULE, merge_runs
    from refcore.readers.runs import read_run

    if not all_ and not guideline_id:
        raise click.UsageError("give --guideline ID (and --target), or --all")
    runs = [read_run(f, format=fmt) for f in run_files]
    run = merge_runs(runs)
    run_file = " + ".join(run_files)
    if len(runs) > 1 and not as_json:
        console(stderr=True).print(f"merged {len(runs)} runs ({len(run)} tests): {MERGE_RULE}")
    if all_:
        gs = load(guidelines_source)
        reports = [r for r in evaluate_all(run, gs.values()) if r.meets]
        if as_json:
            print_json(
                [
                    {"guideline": r.guideline, "target": r.target, "summary": r.figures}
                    for r in reports
                ]
            )
        else:
            _print_all(run_file, len(run), reports)
        sys.exit(0 if reports else 1)
    assert guideline_id is not None
    result = evaluate(run, pick(guideline_id, guidelines_source)[0], target)
    if as_json:
        print_json(result.to_dict(tests=True))
    else:
        _print_report(result, show_tests)
    sys.exit(0 if result.meets else 1)


def _print_all(run_file: str, n: int, reports: list[ComplianceReport]) -> None:
    out = console()
    if not reports:
        out.print(f"{run_file} ({n} tests) meets no guideline.")
        return
    table = Table("guideline", "target", "required passed", title=f"{run_file} meets")
    for r in reports:
        f = r.figures
        table.add_row(r.guideline, r.target, f"{f['nonFlagPassCount']}/{f['totalNonFlagCount']}")
    out.print(table)


def _print_report(r: ComplianceReport, show_tests: bool) -> None:
    out = console()
    table = Table("capability", "status", "passed", "failed", "skipped", "not run", "flagged")
    for cap in r.capabilities:
        flagged = sum(1 for t in cap.tests if t.flagged)
        name = cap.name if cap.defined else f"{cap.name} (undefined)"
        table.add_row(
            styled(name, "passed" if cap.passed else ("failed" if not cap.met else "skipped")),
            styled(cap.status),
            str(cap.count(TestState.PASSED)),
            str(cap.count(TestState.FAILED) or ""),
            str(cap.count(TestState.SKIPPED) or ""),
            str(cap.count(TestState.NOT_RUN) or ""),
            str(flagged or ""),
        )
    out.print(table)
    for cap in r.capabilities:
        for t in cap.tests:
            missed = not t.passed and not t.flagged and cap.status == "required"
            if show_tests or missed or t.passed_after_retry:
                why = f" ({t.reason})" if t.reason else ""
                via = f" via {t.matched_by}" if t.matched_by in ("alias", "idempotent_id") else ""
                state = styled(t.state.value)
                if t.passed_after_retry:
                    state = styled("passed after retry", "passed")
                    why = f" (attempts: {', '.join(t.attempts)})"
                out.print(f"  {state} {cap.name}: {t.test.name}{via}{why}")
    f = r.figures
    verdict = styled("MEETS", "passed") if r.meets else styled("DOES NOT MEET", "failed")
    out.print(
        f"{verdict} {r.guideline} / {r.target}: {f['nonFlagPassCount']} of "
        f"{f['totalNonFlagCount']} required non-flagged tests passed "
        f"({f['nonFlagRequiredPassPercent']}%); {f['totalRequiredFlagCount']} flagged; "
        f"{r.renamed_matches} matched by idempotent id"
        + (f"; {len(r.passed_after_retry)} passed after retry" if r.passed_after_retry else "")
    )
