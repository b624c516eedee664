"""Does a test run meet a guideline's target? Per capability, per test, and why.

Matching rules, in order:

1. ``name``: the test's name passed in the run (RefStack's rule);
2. ``alias``: one of its aliases passed (RefStack's rule);
3. ``idempotent_id``: a test with the same idempotent id passed (refcore's
   addition: Tempest renames tests, their ids stay).

A test the run has no result for is ``not_run``, except when the run reports its
class's ``setUpClass`` (or its module's ``setUpModule``) as failed, or its module (or the
test) as not loadable (``unittest.loader._FailedTest.<name>``): then it failed,
``matched_by`` is ``"fixture"`` and the reason is the fixture's. A class or module its
fixture skipped as a whole (``setUpClass`` skipped: "designate is not available") makes
its tests ``skipped``, with that reason.

A run *meets* a guideline/target when every non-flagged required test passed
(flagged failures are tolerated) and there is at least one such test. The
report carries RefStack's summary figures twice: under refcore's rules and
under RefStack's own (names and aliases only), so both can be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .guidelines import STATUSES, Capability, Guideline, Test
from .runs import Outcome, TestResult, TestRun, fixture_scope

__all__ = [
    "CapabilityReport",
    "ComplianceReport",
    "RunIndex",
    "StatusSummary",
    "TestState",
    "TestVerdict",
    "evaluate",
    "evaluate_all",
]


class TestState(StrEnum):
    __test__ = False

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_RUN = "not_run"


_STATE_OF = {
    Outcome.PASS: TestState.PASSED,
    Outcome.FAIL: TestState.FAILED,
    Outcome.ERROR: TestState.FAILED,
    Outcome.SKIP: TestState.SKIPPED,
}


@dataclass(slots=True)
class TestVerdict:
    """One guideline test's verdict in one run. Read-only by convention: not frozen,
    because a frozen dataclass's ``__init__`` takes ~3.5 times as long (600 vs 165 ns,
    timeit), and an evaluation of every guideline x target makes ~10,000 of these."""

    __test__ = False

    test: Test
    state: TestState
    #: "name" | "alias" | "idempotent_id" | None: which rule found the result
    matched_by: str | None = None
    #: the run's test name that matched
    matched_name: str | None = None
    #: skip reason or failure detail, when the run gave one
    reason: str | None = None
    #: every outcome of the matched result when it ran more than once (re-runs)
    attempts: tuple[str, ...] = ()

    @property
    def passed_after_retry(self) -> bool:
        return self.passed and any(a != "pass" for a in self.attempts)

    @property
    def passed(self) -> bool:
        return self.state is TestState.PASSED

    @property
    def passed_refstack(self) -> bool:
        return self.passed and self.matched_by in ("name", "alias")

    @property
    def flagged(self) -> bool:
        return self.test.flagged

    def to_dict(self) -> dict[str, Any]:
        flag = self.test.flag
        return {
            "name": self.test.name,
            "idempotent_id": self.test.idempotent_id or None,
            "aliases": list(self.test.aliases),
            "state": self.state.value,
            "matched_by": self.matched_by,
            "matched_name": self.matched_name,
            "reason": self.reason,
            "attempts": list(self.attempts),
            "passed_after_retry": self.passed_after_retry,
            "flagged": None
            if flag is None
            else {"reason": flag.reason, "action": flag.action, "date": flag.date},
        }


@dataclass(slots=True)
class CapabilityReport:
    name: str
    status: str
    capability: Capability | None
    tests: list[TestVerdict] = field(default_factory=list)

    @property
    def defined(self) -> bool:
        return self.capability is not None

    def count(self, state: TestState) -> int:
        return sum(1 for t in self.tests if t.state is state)

    @property
    def passed(self) -> bool:
        """Every test passed (RefStack shows such a capability as fully passed)."""
        return all(t.passed for t in self.tests)

    @property
    def must_pass_missing(self) -> list[TestVerdict]:
        """Non-flagged tests that did not pass."""
        return [t for t in self.tests if not t.passed and not t.flagged]

    @property
    def met(self) -> bool:
        return not self.must_pass_missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "project": self.capability.project if self.capability else None,
            "defined": self.defined,
            "met": self.met,
            "counts": {s.value: self.count(s) for s in TestState}
            | {"flagged": sum(1 for t in self.tests if t.flagged), "total": len(self.tests)},
            "tests": [t.to_dict() for t in self.tests],
        }


@dataclass(frozen=True, slots=True)
class StatusSummary:
    count: int = 0
    passed_count: int = 0
    flag_pass_count: int = 0
    flag_fail_count: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "count": self.count,
            "passedCount": self.passed_count,
            "flagPassCount": self.flag_pass_count,
            "flagFailCount": self.flag_fail_count,
        }


def _summaries(
    caps: list[CapabilityReport],
) -> tuple[dict[str, StatusSummary], dict[str, StatusSummary]]:
    """Per status: (count, passed, flagged passed, flagged failed) under refcore's rules
    and under RefStack's (names and aliases only), in one pass."""
    # count, passed, flag pass, flag fail; then the same three under RefStack's rules
    tallies = {status: [0, 0, 0, 0, 0, 0, 0] for status in STATUSES}
    refstack_rules = ("name", "alias")
    for cap in caps:
        tally = tallies.get(cap.status)
        if tally is None:
            continue
        for t in cap.tests:
            ok = t.state is TestState.PASSED
            ok_refstack = ok and t.matched_by in refstack_rules
            tally[0] += 1
            tally[1] += ok
            tally[4] += ok_refstack
            if t.test.flagged:
                tally[2] += ok
                tally[3] += not ok
                tally[5] += ok_refstack
                tally[6] += not ok_refstack
    ours = {s: StatusSummary(t[0], t[1], t[2], t[3]) for s, t in tallies.items()}
    theirs = {s: StatusSummary(t[0], t[4], t[5], t[6]) for s, t in tallies.items()}
    return ours, theirs


def _figures(summary: Mapping[str, StatusSummary]) -> dict[str, float | int | bool]:
    """RefStack's report figures (resultsReportController.js)."""
    req = summary["required"]
    fail = req.count - req.passed_count
    flagged = req.flag_fail_count + req.flag_pass_count
    non_flag = req.count - flagged
    non_flag_pass = non_flag - (fail - req.flag_fail_count)
    return {
        "requiredPassPercent": round(req.passed_count * 100 / req.count, 2) if req.count else 0,
        "totalRequiredFailCount": fail,
        "totalRequiredFlagCount": flagged,
        "totalNonFlagCount": non_flag,
        "nonFlagPassCount": non_flag_pass,
        "nonFlagRequiredPassPercent": round(non_flag_pass * 100 / non_flag, 2) if non_flag else 0,
        "meets": non_flag > 0 and non_flag_pass == non_flag,
    }


@dataclass(slots=True)
class ComplianceReport:
    guideline: str
    target: str
    capabilities: list[CapabilityReport]
    by_status: dict[str, StatusSummary]
    figures: dict[str, float | int | bool]
    refstack_by_status: dict[str, StatusSummary]
    refstack_figures: dict[str, float | int | bool]
    #: how many tests the run holds (0 when not known)
    run_tests: int = 0

    @property
    def meets(self) -> bool:
        return bool(self.figures["meets"])

    @property
    def meets_refstack(self) -> bool:
        return bool(self.refstack_figures["meets"])

    def capability(self, name: str) -> CapabilityReport:
        for cap in self.capabilities:
            if cap.name == name:
                return cap
        raise KeyError(name)

    @property
    def required_missing(self) -> list[tuple[str, TestVerdict]]:
        """(capability, test) for every required, non-flagged test that did not pass."""
        return [
            (c.name, t)
            for c in self.capabilities
            if c.status == "required"
            for t in c.must_pass_missing
        ]

    @property
    def renamed_matches(self) -> int:
        return sum(1 for c in self.capabilities for t in c.tests if t.matched_by == "idempotent_id")

    @property
    def passed_after_retry(self) -> list[tuple[str, TestVerdict]]:
        """(capability, test) for every test that passed only on another attempt."""
        return [(c.name, t) for c in self.capabilities for t in c.tests if t.passed_after_retry]

    @property
    def found_tests(self) -> tuple[int, int]:
        """(tests of the guideline's target that the run holds under any name or id,
        tests of the target): distinct names, whatever their outcome."""
        found: set[str] = set()
        every: set[str] = set()
        for c in self.capabilities:
            for t in c.tests:
                every.add(t.test.name)
                if t.state is not TestState.NOT_RUN:
                    found.add(t.test.name)
        return len(found), len(every)

    @property
    def warnings(self) -> list[str]:
        """Loud words when the run holds none, or very few (under a tenth), of the
        target's tests: usually names the matcher could not read, not a cloud failing."""
        found, every = self.found_tests
        if not every or not self.run_tests:
            return []
        where = f"{self.guideline} {self.target}"
        if found == 0:
            return [
                f"None of the {every} tests of {where} is in this run of {self.run_tests} "
                "tests: check that the run holds Tempest's full test names (with or without "
                "their [id-...] suffix) and that it was run for this program"
            ]
        if found * 10 < every:
            return [
                f"Only {found} of the {every} tests of {where} are in this run of "
                f"{self.run_tests} tests: was it run for another program, or are names missing?"
            ]
        return []

    @property
    def required_capabilities(self) -> dict[str, int]:
        """How many required capabilities the run meets, of how many."""
        required = [c for c in self.capabilities if c.status == "required"]
        return {"met": sum(1 for c in required if c.met), "total": len(required)}

    @property
    def distinct_required_tests(self) -> dict[str, int]:
        """Required tests counted once each (``by_status`` counts a test once per
        capability listing it, as RefStack does)."""
        every: set[str] = set()
        passed: set[str] = set()
        for c in self.capabilities:
            if c.status != "required":
                continue
            for t in c.tests:
                every.add(t.test.name)
                if t.state is TestState.PASSED:
                    passed.add(t.test.name)
        return {"passed": len(passed), "total": len(every)}

    @property
    def projects(self) -> list[dict[str, Any]]:
        """Per project (OpenStack service) of the target: distinct tests and how many
        passed, with the pass rate in percent."""
        tally: dict[str, dict[str, TestState]] = {}
        for c in self.capabilities:
            project = (c.capability.project if c.capability else None) or "other"
            states = tally.setdefault(project, {})
            for t in c.tests:
                if states.get(t.test.name) is not TestState.PASSED:
                    states[t.test.name] = t.state
        rows = []
        for project, states in sorted(tally.items()):
            passed = sum(1 for st in states.values() if st is TestState.PASSED)
            total = len(states)
            percent = round(passed * 100 / total, 1) if total else 0.0
            rows.append({"project": project, "passed": passed, "total": total, "percent": percent})
        return rows

    def to_dict(self, *, tests: bool = True) -> dict[str, Any]:
        caps = [c.to_dict() for c in self.capabilities]
        if not tests:
            for c in caps:
                del c["tests"]
        return {
            "guideline": self.guideline,
            "target": self.target,
            "meets": self.meets,
            "summary": self.figures,
            "by_status": {s: v.to_dict() for s, v in self.by_status.items()},
            "refstack": {
                "summary": self.refstack_figures,
                "by_status": {s: v.to_dict() for s, v in self.refstack_by_status.items()},
            },
            "renamed_matches": self.renamed_matches,
            "passed_after_retry": len(self.passed_after_retry),
            "found_tests": dict(zip(("found", "of"), self.found_tests, strict=True)),
            "run_tests": self.run_tests,
            "warnings": self.warnings,
            "required_capabilities": self.required_capabilities,
            "distinct_required_tests": self.distinct_required_tests,
            "projects": self.projects,
            "capabilities": caps,
        }


class RunIndex:
    """Look-ups over a run, built once and shared by many evaluations."""

    __slots__ = (
        "results",
        "by_uuid",
        "passed_by_uuid",
        "fixture_failures",
        "fixture_skips",
        "_judged",
    )

    def __init__(self, run: TestRun) -> None:
        self.results: Mapping[str, TestResult] = run.results
        self.by_uuid: Mapping[str, TestResult] = run.by_uuid()
        self.passed_by_uuid: dict[str, TestResult] = {
            r.uuid: r for r in run.results.values() if r.uuid and r.outcome is Outcome.PASS
        }
        #: verdicts already given, by the test object's id (targets share capabilities)
        self._judged: dict[int, tuple[Test, TestVerdict]] = {}
        #: failed setUpClass / setUpModule results, by the class or module they set up
        self.fixture_failures: dict[str, TestResult] = {}
        #: skipped ones (a class skipped as a whole: "designate is not available")
        self.fixture_skips: dict[str, TestResult] = {}
        for r in run.results.values():
            if r.outcome is Outcome.PASS:
                continue
            scope = fixture_scope(r.name)
            if scope is not None:
                kept = self.fixture_skips if r.outcome is Outcome.SKIP else self.fixture_failures
                kept[scope] = r

    def judge(self, test: Test) -> TestVerdict:
        seen = self._judged.get(id(test))
        if seen is not None and seen[0] is test:
            return seen[1]
        verdict = self._judge(test)
        self._judged[id(test)] = (test, verdict)
        return verdict

    def _judge(self, test: Test) -> TestVerdict:
        results = self.results
        found = results.get(test.name)
        if found is not None and found.outcome is Outcome.PASS:
            return _passed(test, "name", found)
        for alias in test.aliases:
            r = results.get(alias)
            if r is not None and r.outcome is Outcome.PASS:
                return _passed(test, "alias", r)
        uuid = test.uuid
        if uuid:
            r = self.passed_by_uuid.get(uuid)
            if r is not None:
                return _passed(test, "idempotent_id", r)
        # not passed: say what the run did say of it, if anything
        rule = "name"
        if found is None:
            for alias in test.aliases:
                found = results.get(alias)
                if found is not None:
                    rule = "alias"
                    break
        if found is None and uuid:
            found = self.by_uuid.get(uuid)
            rule = "idempotent_id"
        if found is None:
            return self._not_run(test)
        return TestVerdict(
            test,
            _STATE_OF[found.outcome],
            rule,
            found.name,
            found.reason,
            tuple(a.value for a in found.attempts),
        )

    def _not_run(self, test: Test) -> TestVerdict:
        """No result of its own: failed if its class's or module's fixture failed,
        skipped (with the reason) if the fixture skipped the class or module."""
        scope = test.name if self.fixture_failures or self.fixture_skips else ""
        while scope:
            fixture = self.fixture_failures.get(scope)
            if fixture is not None:
                reason = f"{fixture.name} failed" + (
                    f": {fixture.reason}" if fixture.reason else ""
                )
                return TestVerdict(test, TestState.FAILED, "fixture", fixture.name, reason)
            fixture = self.fixture_skips.get(scope)
            if fixture is not None:
                return TestVerdict(test, TestState.SKIPPED, "fixture", fixture.name, fixture.reason)
            scope = scope.rpartition(".")[0]
        return TestVerdict(test, TestState.NOT_RUN)


_FAILED = frozenset({Outcome.FAIL, Outcome.ERROR})


def _passed(test: Test, rule: str, result: TestResult) -> TestVerdict:
    if not result.attempts:
        return TestVerdict(test, TestState.PASSED, rule, result.name)
    attempts = tuple(a.value for a in result.attempts)
    return TestVerdict(test, TestState.PASSED, rule, result.name, result.reason, attempts)


def evaluate(
    run: TestRun | RunIndex, guideline: Guideline, target: str = "platform"
) -> ComplianceReport:
    """Evaluate a run against one guideline and target (program)."""
    index = run if isinstance(run, RunIndex) else RunIndex(run)
    statuses = guideline.capability_statuses(target)
    caps = []
    for name, status in statuses.items():
        capability = guideline.capabilities.get(name)
        verdicts = [index.judge(t) for t in capability.tests] if capability else []
        caps.append(CapabilityReport(name, status, capability, verdicts))
    by_status, refstack = _summaries(caps)
    return ComplianceReport(
        guideline.id,
        target,
        caps,
        by_status,
        _figures(by_status),
        refstack,
        _figures(refstack),
        len(index.results),
    )


def evaluate_all(run: TestRun, guidelines: Iterable[Guideline]) -> list[ComplianceReport]:
    """Evaluate a run against every target of every guideline given.
    ``[r for r in evaluate_all(run, gs.values()) if r.meets]`` lists what it meets."""
    index = RunIndex(run)
    return [evaluate(index, g, t) for g in guidelines for t in g.targets]
