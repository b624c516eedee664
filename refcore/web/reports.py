"""A run's compliance report for the report page: the run's tests (read through the
services, so the privacy rules apply) evaluated with :mod:`refcore.core.compliance`.

The guideline defaults to the run's ``guideline`` meta, else the latest approved
powered guideline; the target to the ``target`` meta, else ``platform`` (RefStack's
report does the same with its second-newest file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.compliance import ComplianceReport, RunIndex, evaluate
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.core.runs import Outcome, TestResult, TestRun
from refcore.errors import GuidelineNotFound
from refcore.services.accounts import Actor
from refcore.services.runs_read import run_tests

__all__ = ["Met", "RunReportView", "build_report"]

#: kinds of guideline a run is checked against for "meets"
MEETS_KINDS = ("powered", "add-on", "vertical")


@dataclass(frozen=True)
class Met:
    guideline: str
    target: str
    required_percent: float


@dataclass
class RunReportView:
    guideline: Guideline
    target: str
    report: ComplianceReport
    counts: dict[str, int]
    meets: list[Met]
    total_tests: int
    note: str | None = None


def _run(tests: list[dict[str, Any]]) -> TestRun:
    return TestRun.from_results(
        TestResult(t["name"], Outcome(t["outcome"]), t["uuid"], t["reason"]) for t in tests
    )


def choose(
    gs: GuidelineSet, meta: dict[str, str], guideline: str | None, target: str | None
) -> tuple[Guideline, str, str | None]:
    """(guideline, target, a note when the wish could not be honoured)."""
    chosen = guideline or meta.get("guideline")
    try:
        g = gs[chosen] if chosen else None
    except GuidelineNotFound:
        if guideline:  # asked for explicitly: say so
            raise
        g = None
    g = g or gs.latest_approved() or next(iter(gs.values()))
    t = target or meta.get("target") or "platform"
    note = None
    if t not in g.targets:
        fallback = next(iter(g.targets))
        note = f"Guideline {g.id} has no target {t}; showing {fallback}."
        t = fallback
    return g, t, note


def build_report(
    session: Session,
    actor: Actor,
    gs: GuidelineSet,
    run_id: str,
    meta: dict[str, str],
    guideline: str | None,
    target: str | None,
) -> RunReportView:
    tests = run_tests(session, actor, run_id)
    index = RunIndex(_run(tests))
    g, t, note = choose(gs, meta, guideline, target)
    report = evaluate(index, g, t)
    counts = {o.value: 0 for o in Outcome}
    for test in tests:
        counts[test["outcome"]] += 1
    meets = []
    for other in gs.values():
        if other.kind not in MEETS_KINDS:
            continue
        for name in other.targets:
            r = report if (other.id, name) == (g.id, t) else evaluate(index, other, name)
            if r.meets:
                meets.append(Met(other.id, name, float(r.figures["requiredPassPercent"])))
    return RunReportView(g, t, report, counts, meets, len(tests), note)
