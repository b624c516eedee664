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
:func:`required_figures` gives those figures alone, for when nothing else of the
report is read (whether a run meets each of many guidelines): the same verdicts,
without building a report.
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
    "required_figures",
]


class TestState(StrEnum):
    __test__ = False

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_RUN = "not_run"


#: each state's text, read without the enum's ``value`` property (~10,000 reads a report)
_TEXT = {state: state.value for state in TestState}

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
        return bool(self.attempts) and self.passed and any(a != "pass" for a in self.attempts)

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
            "state": _TEXT[self.state],
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

    def counts(self) -> dict[str, int]:
        """How many tests are in each state (:meth:`count` of each), how many are
        flagged, and in all: one pass."""
        tally = dict.fromkeys(TestState, 0)
        flagged = 0
        for t in self.tests:
            tally[t.state] += 1
            flagged += t.test.flag is not None
        return {_TEXT[s]: n for s, n in tally.items()} | {
            "flagged": flagged,
            "total": len(self.tests),
        }

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
            "counts": self.counts(),
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


#: the rules RefStack itself knows (its figures count no other match as a pass)
_REFSTACK_RULES = ("name", "alias")


def _tally(tests: Iterable[tuple[bool, str | None]]) -> tuple[StatusSummary, StatusSummary]:
    """(count, passed, flagged passed, flagged failed) of (flagged, the rule a test
    passed by or None) under refcore's rules and under RefStack's (names and aliases
    only), in one pass."""
    count = passed = flag_pass = flag_fail = 0
    passed_rs = flag_pass_rs = flag_fail_rs = 0
    for flagged, rule in tests:
        ok = rule is not None
        ok_refstack = rule in _REFSTACK_RULES
        count += 1
        passed += ok
        passed_rs += ok_refstack
        if flagged:
            flag_pass += ok
            flag_fail += not ok
            flag_pass_rs += ok_refstack
            flag_fail_rs += not ok_refstack
    return (
        StatusSummary(count, passed, flag_pass, flag_fail),
        StatusSummary(count, passed_rs, flag_pass_rs, flag_fail_rs),
    )


def _summaries(
    caps: list[CapabilityReport],
) -> tuple[dict[str, StatusSummary], dict[str, StatusSummary]]:
    """Per status, :func:`_tally` of its capabilities' verdicts (a test counts once per
    capability listing it, as RefStack counts)."""
    ours: dict[str, StatusSummary] = {}
    theirs: dict[str, StatusSummary] = {}
    for status in STATUSES:
        ours[status], theirs[status] = _tally(
            (t.test.flag is not None, t.matched_by if t.state is TestState.PASSED else None)
            for cap in caps
            if cap.status == status
            for t in cap.tests
        )
    return ours, theirs


def _figures(req: StatusSummary) -> dict[str, float | int | bool]:
    """RefStack's report figures (resultsReportController.js), from the summary of the
    required tests."""
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
        "passed",
        "passed_by_uuid",
        "fixture_failures",
        "fixture_skips",
        "_run",
        "_by_uuid",
        "_judged",
    )

    def __init__(self, run: TestRun) -> None:
        self._run = run
        self.results: Mapping[str, TestResult] = run.results
        #: the results that passed, by name and by idempotent uuid
        self.passed: dict[str, TestResult] = {}
        self.passed_by_uuid: dict[str, TestResult] = {}
        #: failed setUpClass / setUpModule results, by the class or module they set up
        self.fixture_failures: dict[str, TestResult] = {}
        #: skipped ones (a class skipped as a whole: "designate is not available")
        self.fixture_skips: dict[str, TestResult] = {}
        for name, r in run.results.items():
            if r.outcome is Outcome.PASS:
                self.passed[name] = r
                if r.uuid:
                    self.passed_by_uuid[r.uuid] = r
                continue
            scope = fixture_scope(r.name)
            if scope is not None:
                kept = self.fixture_skips if r.outcome is Outcome.SKIP else self.fixture_failures
                kept[scope] = r
        self._by_uuid: Mapping[str, TestResult] | None = None
        #: verdicts already given, by the test object's id (targets share capabilities)
        self._judged: dict[int, tuple[Test, TestVerdict]] = {}

    @property
    def by_uuid(self) -> Mapping[str, TestResult]:
        """Every result by idempotent uuid (worst outcome wins on a clash); built on
        first use, only a test that did not pass needs it."""
        if self._by_uuid is None:
            self._by_uuid = self._run.by_uuid()
        return self._by_uuid

    def passed_by(self, test: Test) -> tuple[str, TestResult] | None:
        """How ``test`` passed in the run: (the rule, the result it matched), else None.
        The matching rules, in their order (the module's docstring)."""
        passed = self.passed
        found = passed.get(test.name)
        if found is not None:
            return "name", found
        for alias in test.aliases:
            found = passed.get(alias)
            if found is not None:
                return "alias", found
        if test.uuid:
            found = self.passed_by_uuid.get(test.uuid)
            if found is not None:
                return "idempotent_id", found
        return None

    def pass_rule(self, test: Test) -> str | None:
        """The rule ``test`` passed by ("name", "alias", "idempotent_id"), or None when
        it did not pass: the state and ``matched_by`` of a passed :meth:`judge` verdict,
        without the verdict. Not memoized: a look-up in a memo by the test's id costs as
        much as the rules' two or three dictionary look-ups (measured slower)."""
        how = self.passed_by(test)
        return how[0] if how is not None else None

    def judge(self, test: Test) -> TestVerdict:
        seen = self._judged.get(id(test))
        if seen is not None and seen[0] is test:
            return seen[1]
        verdict = self._judge(test)
        self._judged[id(test)] = (test, verdict)
        return verdict

    def _judge(self, test: Test) -> TestVerdict:
        how = self.passed_by(test)
        if how is not None:
            return _passed(test, *how)
        # not passed: say what the run did say of it, if anything
        results = self.results
        found = results.get(test.name)
        rule = "name"
        if found is None:
            for alias in test.aliases:
                found = results.get(alias)
                if found is not None:
                    rule = "alias"
                    break
        uuid = test.uuid
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
        _figures(by_status["required"]),
        refstack,
        _figures(refstack["required"]),
        len(index.results),
    )


def required_figures(
    run: TestRun | RunIndex, guideline: Guideline, target: str = "platform"
) -> tuple[dict[str, float | int | bool], dict[str, float | int | bool]]:
    """``(figures, refstack_figures)`` of ``evaluate(run, guideline, target)``, without
    the report: only the required tests are looked at, and only whether (and by which
    rule) each passed. For a caller that reads nothing else (whether a run meets each of
    many guidelines: ``figures["meets"]``)."""
    index = run if isinstance(run, RunIndex) else RunIndex(run)
    capabilities = guideline.capabilities
    pass_rule = index.pass_rule
    ours, theirs = _tally(
        (t.flag is not None, pass_rule(t))
        for name, status in guideline.capability_statuses(target).items()
        if status == "required" and name in capabilities
        for t in capabilities[name].tests
    )
    return _figures(ours), _figures(theirs)


def evaluate_all(run: TestRun, guidelines: Iterable[Guideline]) -> list[ComplianceReport]:
    """Evaluate a run against every target of every guideline given.
    ``[r for r in evaluate_all(run, gs.values()) if r.meets]`` lists what it meets."""
    index = RunIndex(run)
    return [evaluate(index, g, t) for g in guidelines for t in g.targets]
