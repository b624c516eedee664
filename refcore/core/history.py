"""Continuous compliance: a cloud's runs over time, and what they say about its certificate.

Pure: every answer is computed from values the caller passes in. A run enters as a
:class:`Point` built from the compliance report the server already computed for it
(:func:`refcore.core.compliance.evaluate`, stored as ``ComplianceReport.to_dict()``), so the
pass percentage and "meets" shown here are the report's own figures, never a second
calculation.

* :func:`timeline` — one row per run of a guideline/target, oldest first.
* :func:`regressions` — a required (non-flagged) test that passed in one run and does not
  in the next, named with both runs.
* :func:`flaky_tests` — required tests whose outcome flips between consecutive runs at
  least ``min_flips`` times.
* :func:`freshness` — the certificate freshness policy: *at risk* after a failing
  scheduled run (until a run passes again), *lapsed* after ``lapse_days`` without a passing
  run; feeds :func:`refcore.core.certification.certificate_status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .compliance import ComplianceReport

__all__ = [
    "FlakyTest",
    "Freshness",
    "FreshnessState",
    "Point",
    "Regression",
    "flaky_tests",
    "freshness",
    "regressions",
    "timeline",
    "worst",
]

PASSED = "passed"


@dataclass(frozen=True, slots=True)
class Point:
    """One run of a cloud as evaluated against one guideline/target.

    ``required``: each required, non-flagged test of the target (by its guideline name)
    and its state in the run (``passed``, ``failed``, ``skipped``, ``not_run``)."""

    run_id: str
    at: datetime
    scheduled: bool
    meets: bool
    pass_percent: float
    required: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_report_dict(
        cls, run_id: str, at: datetime, scheduled: bool, report: Mapping[str, Any]
    ) -> Point:
        """From a stored report (``ComplianceReport.to_dict()`` with its tests)."""
        required: dict[str, str] = {}
        for cap in report.get("capabilities", ()):
            if cap.get("status") != "required":
                continue
            for t in cap.get("tests", ()):
                if t.get("flagged"):
                    continue
                # a test listed by two capabilities counts as passed if it passed once
                if required.get(t["name"]) != PASSED:
                    required[t["name"]] = str(t["state"])
        summary = report.get("summary", {})
        return cls(
            run_id,
            at,
            scheduled,
            bool(report.get("meets")),
            float(summary.get("requiredPassPercent", 0)),
            required,
        )

    @classmethod
    def from_report(
        cls, run_id: str, at: datetime, scheduled: bool, report: ComplianceReport
    ) -> Point:
        return cls.from_report_dict(run_id, at, scheduled, report.to_dict())

    def passed(self, test: str) -> bool:
        return self.required.get(test) == PASSED

    def to_dict(self) -> dict[str, Any]:
        failing = sum(1 for s in self.required.values() if s != PASSED)
        return {
            "run_id": self.run_id,
            "at": _stamp(self.at),
            "scheduled": self.scheduled,
            "meets": self.meets,
            "pass_percent": self.pass_percent,
            "required_tests": len(self.required),
            "required_not_passed": failing,
        }


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _when(value: datetime) -> str:
    """A moment as people read it: ``2026-12-02 06:13 UTC``."""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _ordered(points: Iterable[Point]) -> list[Point]:
    return sorted(points, key=lambda p: (p.at, p.run_id))


def timeline(points: Iterable[Point]) -> list[Point]:
    """The runs oldest first (ties broken by run id, so the order is stable)."""
    return _ordered(points)


@dataclass(frozen=True, slots=True)
class Regression:
    """A required test that passed in ``before`` and not in ``after`` (consecutive runs)."""

    test: str
    before: Point
    after: Point
    state: str  # the test's state in ``after``
    #: still not passing in the latest run
    open: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "state": self.state,
            "open": self.open,
            "passed_in": {"run_id": self.before.run_id, "at": _stamp(self.before.at)},
            "failed_in": {"run_id": self.after.run_id, "at": _stamp(self.after.at)},
        }


def regressions(points: Iterable[Point]) -> list[Regression]:
    """Every regression between consecutive runs, newest first, tests by name within a
    pair. A test the later run's guideline no longer requires is not one."""
    runs = _ordered(points)
    latest = runs[-1] if runs else None
    out: list[Regression] = []
    for before, after in zip(runs, runs[1:], strict=False):
        for test in sorted(after.required):
            if before.passed(test) and not after.passed(test):
                still = latest is not None and not latest.passed(test)
                out.append(Regression(test, before, after, after.required[test], still))
    out.sort(key=lambda r: (r.after.at, r.after.run_id), reverse=True)
    return out


@dataclass(frozen=True, slots=True)
class FlakyTest:
    """A required test whose outcome flipped ``flips`` times over ``runs`` runs."""

    test: str
    flips: int
    runs: int
    passed: int
    #: the runs where it changed, oldest first
    changes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "flips": self.flips,
            "runs": self.runs,
            "passed": self.passed,
            "changed_in": list(self.changes),
        }


def flaky_tests(points: Iterable[Point], *, min_flips: int = 2) -> list[FlakyTest]:
    """Required tests that flip between passing and not at least ``min_flips`` times across
    consecutive runs holding them; most flips first, then by name."""
    if min_flips < 1:
        raise ValueError("min_flips is at least 1")
    runs = _ordered(points)
    seen: dict[str, list[tuple[str, bool]]] = {}
    for p in runs:
        for test in p.required:
            seen.setdefault(test, []).append((p.run_id, p.passed(test)))
    out: list[FlakyTest] = []
    for test, outcomes in seen.items():
        changes = tuple(b[0] for a, b in zip(outcomes, outcomes[1:], strict=False) if a[1] != b[1])
        if len(changes) >= min_flips:
            passed = sum(1 for _, ok in outcomes if ok)
            out.append(FlakyTest(test, len(changes), len(outcomes), passed, changes))
    out.sort(key=lambda f: (-f.flips, f.test))
    return out


class Freshness(StrEnum):
    """What continuous testing says of a certificate."""

    CURRENT = "current"  # the latest scheduled run passed (or a later one did)
    AT_RISK = "at-risk"  # a scheduled run failed and no run passed since
    LAPSED = "lapsed"  # no passing run for ``lapse_days``
    UNTRACKED = "untracked"  # no run of a registered cloud: no input


#: worst first: what a certificate shows when several clouds speak for one product version
_SEVERITY = (Freshness.LAPSED, Freshness.AT_RISK, Freshness.CURRENT, Freshness.UNTRACKED)


@dataclass(frozen=True, slots=True)
class FreshnessState:
    status: Freshness
    last_run_at: datetime | None = None
    last_pass_at: datetime | None = None
    #: whole days since the last passing run (None: no run passed)
    days_since_pass: int | None = None
    #: since when the cloud is watched without a passing run (the lapse clock's start)
    since: datetime | None = None
    #: when the certificate lapses (or lapsed) unless a run passes
    lapses_at: datetime | None = None
    reason: str = ""
    failing_run_id: str | None = None
    #: at risk: when the failing scheduled run ran
    at_risk_since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "last_run_at": _stamp(self.last_run_at),
            "last_pass_at": _stamp(self.last_pass_at),
            "days_since_pass": self.days_since_pass,
            "lapses_at": _stamp(self.lapses_at),
            "reason": self.reason,
            "failing_run_id": self.failing_run_id,
            "at_risk_since": _stamp(self.at_risk_since),
        }


def freshness(
    points: Iterable[Point],
    *,
    now: datetime,
    lapse_days: int,
    tracked_since: datetime | None = None,
) -> FreshnessState:
    """The freshness policy at ``now``.

    * no run at all: ``untracked`` (continuous testing gives no input);
    * no passing run for ``lapse_days`` — counted from the last passing run, or, when none
      passed, from ``tracked_since`` (the cloud's registration) or its first run: ``lapsed``;
    * the latest scheduled run failed and no run passed after it: ``at-risk``;
    * else ``current``. Runs after ``now`` are ignored (a preview clock).
    """
    if lapse_days < 1:
        raise ValueError("lapse_days is at least 1")
    runs = [p for p in _ordered(points) if p.at <= now]
    if not runs:
        return FreshnessState(Freshness.UNTRACKED, reason="No run of a registered cloud")
    last = runs[-1]
    passing = [p for p in runs if p.meets]
    last_pass = passing[-1] if passing else None
    start = runs[0].at if tracked_since is None else min(tracked_since, runs[0].at)
    since = last_pass.at if last_pass is not None else start
    lapses_at = since + timedelta(days=lapse_days)
    days = (now - last_pass.at).days if last_pass is not None else None
    common: dict[str, Any] = {
        "last_run_at": last.at,
        "last_pass_at": last_pass.at if last_pass else None,
        "days_since_pass": days,
        "since": since,
        "lapses_at": lapses_at,
    }
    if now >= lapses_at:
        why = (
            f"No passing run since {_when(last_pass.at)} ({days} days; at most {lapse_days})"
            if last_pass is not None
            else f"No passing run in {(now - start).days} days of testing (at most {lapse_days})"
        )
        return FreshnessState(Freshness.LAPSED, reason=why, **common)
    scheduled = [p for p in runs if p.scheduled]
    if scheduled and not scheduled[-1].meets:
        failing = scheduled[-1]
        if last_pass is None or last_pass.at < failing.at:
            return FreshnessState(
                Freshness.AT_RISK,
                reason=f"The scheduled run of {_when(failing.at)} failed; "
                f"it lapses on {_when(lapses_at)} unless a run passes",
                failing_run_id=failing.run_id,
                at_risk_since=failing.at,
                **common,
            )
    return FreshnessState(Freshness.CURRENT, reason="The latest runs pass", **common)


def worst(states: Sequence[FreshnessState]) -> FreshnessState:
    """The state to show for several clouds of one product version: the worst."""
    if not states:
        return FreshnessState(Freshness.UNTRACKED, reason="No run of a registered cloud")
    return min(states, key=lambda s: _SEVERITY.index(s.status))
