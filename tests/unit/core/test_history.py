"""Continuous compliance history: timeline, regressions, flaky tests and the freshness policy,
from reports the real evaluator computed on runs of 2020.06's object target."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcore.core.certification import Status, certificate_status
from refcore.core.compliance import RunIndex, evaluate
from refcore.core.history import (
    Freshness,
    FreshnessState,
    Point,
    flaky_tests,
    freshness,
    regressions,
    timeline,
    worst,
)
from refcore.core.runs import Outcome, TestResult, TestRun

T0 = datetime(2026, 11, 1, 3, 0)


def _required(guideline: Any) -> list[tuple[str, str | None]]:
    statuses = guideline.capability_statuses("object")
    return sorted(
        {
            (t.name, t.idempotent_id)
            for cap, t in guideline.tests("object")
            if statuses.get(cap.name) == "required" and not t.flagged
        }
    )


def run_of(guideline: Any, failing: set[str] = frozenset()) -> TestRun:  # type: ignore[assignment]
    results = {}
    for name, uuid in _required(guideline):
        outcome = Outcome.FAIL if name in failing else Outcome.PASS
        results[name] = TestResult(name, outcome, uuid)
    return TestRun(results=results, format="subunit")


def point(guideline: Any, run_id: str, day: int, failing: set[str] = frozenset(), scheduled: bool = True) -> Point:  # type: ignore[assignment]  # fmt: skip
    report = evaluate(RunIndex(run_of(guideline, failing)), guideline, "object")
    return Point.from_report(run_id, T0 + timedelta(days=day), scheduled, report)


def test_points_carry_the_evaluators_figures(guidelines: Any) -> None:
    g = guidelines["2020.06"]
    names = [n for n, _ in _required(g)]
    assert len(names) > 5
    ok = point(g, "r1", 0)
    bad = point(g, "r2", 1, {names[0]})
    report = evaluate(RunIndex(run_of(g, {names[0]})), g, "object")
    assert ok.meets and ok.pass_percent == 100.0
    assert not bad.meets
    assert bad.pass_percent == report.figures["requiredPassPercent"] < 100
    assert bad.required[names[0]] == "failed" and bad.passed(names[1])
    assert bad.to_dict()["required_not_passed"] == 1
    # the stored form (to_dict) gives the same point
    assert Point.from_report_dict("r2", bad.at, True, report.to_dict()) == bad


def test_regressions_name_both_runs_and_whether_they_recovered(guidelines: Any) -> None:
    g = guidelines["2020.06"]
    a, b, c = (n for n, _ in _required(g)[:3])
    runs = [
        point(g, "r1", 0),
        point(g, "r2", 1, {a, b}),
        point(g, "r3", 2, {a}),
        point(g, "r4", 3, {a, c}),
    ]
    found = regressions(reversed(runs))  # order of input does not matter
    assert [(r.test, r.before.run_id, r.after.run_id) for r in found] == [
        (c, "r3", "r4"),
        (a, "r1", "r2"),
        (b, "r1", "r2"),
    ]
    by = {(r.test, r.after.run_id): r for r in found}
    assert by[(a, "r2")].open and not by[(b, "r2")].open and by[(c, "r4")].open
    assert by[(a, "r2")].state == "failed"
    assert by[(a, "r2")].to_dict()["passed_in"]["run_id"] == "r1"
    assert regressions([runs[0]]) == [] and regressions([]) == []


def test_flaky_tests_flip_at_least_twice(guidelines: Any) -> None:
    g = guidelines["2020.06"]
    a, b = (n for n, _ in _required(g)[:2])
    runs = [point(g, "r1", 0, {a}), point(g, "r2", 1), point(g, "r3", 2, {a, b}), point(g, "r4", 3)]
    flaky = flaky_tests(runs)
    assert [(f.test, f.flips, f.passed, f.changes) for f in flaky] == [
        (a, 3, 2, ("r2", "r3", "r4")),
        (b, 2, 3, ("r3", "r4")),
    ]
    assert [f.test for f in flaky_tests(runs, min_flips=3)] == [a]
    with pytest.raises(ValueError):
        flaky_tests(runs, min_flips=0)


def P(day: float, meets: bool, scheduled: bool = True, run: str | None = None) -> Point:
    return Point(
        run or f"r{day}", T0 + timedelta(days=day), scheduled, meets, 100.0 if meets else 50.0
    )


def test_freshness_policy() -> None:
    now = T0 + timedelta(days=10)
    assert freshness([], now=now, lapse_days=7).status is Freshness.UNTRACKED
    ok = freshness([P(8, True), P(9, True)], now=now, lapse_days=7)
    assert ok.status is Freshness.CURRENT and ok.days_since_pass == 1
    # a failing scheduled run puts it at risk, an on-demand failing run does not
    risk = freshness([P(8, True), P(9, False)], now=now, lapse_days=7)
    assert risk.status is Freshness.AT_RISK and risk.failing_run_id == "r9"
    assert risk.lapses_at == T0 + timedelta(days=15)
    assert freshness([P(8, True), P(9, False, scheduled=False)], now=now, lapse_days=7).status is Freshness.CURRENT  # fmt: skip
    # a passing on-demand run after the failing scheduled one clears the risk
    assert freshness([P(8, False), P(9, True, scheduled=False)], now=now, lapse_days=7).status is Freshness.CURRENT  # fmt: skip
    # lapsed: N days after the last pass, exactly at the boundary
    lapsed = freshness([P(3, True), P(9, False)], now=now, lapse_days=7)
    assert lapsed.status is Freshness.LAPSED and lapsed.days_since_pass == 7
    assert "7 days" in lapsed.reason
    assert freshness([P(3, True), P(9, False)], now=now - timedelta(seconds=1), lapse_days=7).status is Freshness.AT_RISK  # fmt: skip
    # never passed: counted from registration (or the first run)
    never = freshness([P(5, False)], now=now, lapse_days=7, tracked_since=T0 + timedelta(days=2))
    assert never.status is Freshness.LAPSED and never.days_since_pass is None
    assert freshness([P(5, False)], now=now, lapse_days=7).status is Freshness.AT_RISK
    # runs after the clock do not count
    assert freshness([P(11, True)], now=now, lapse_days=7).status is Freshness.UNTRACKED
    with pytest.raises(ValueError):
        freshness([], now=now, lapse_days=0)


def test_worst_of_several_clouds() -> None:
    states = [FreshnessState(Freshness.CURRENT), FreshnessState(Freshness.AT_RISK)]
    assert worst(states).status is Freshness.AT_RISK
    assert worst([]).status is Freshness.UNTRACKED
    assert worst([FreshnessState(Freshness.UNTRACKED), FreshnessState(Freshness.CURRENT)]).status is Freshness.CURRENT  # fmt: skip


def test_freshness_feeds_the_certificate_status() -> None:
    base: dict[str, Any] = {
        "now": datetime(2026, 12, 1),
        "valid_until": None,
        "guideline_out": None,
        "grace_days": 180,
        "expiring_days": 60,
        "revoked_at": None,
    }
    assert certificate_status(**base)[0] is Status.VALID
    assert certificate_status(**base, freshness=Freshness.CURRENT)[0] is Status.VALID
    assert certificate_status(**base, freshness=Freshness.AT_RISK)[0] is Status.AT_RISK
    assert certificate_status(**base, freshness=Freshness.LAPSED)[0] is Status.LAPSED
    # expiry and revocation weigh more than freshness
    gone = base | {"valid_until": datetime(2026, 11, 1)}
    assert certificate_status(**gone, freshness=Freshness.LAPSED)[0] is Status.EXPIRED
    revoked = base | {"revoked_at": datetime(2026, 11, 1)}
    assert certificate_status(**revoked, freshness=Freshness.AT_RISK)[0] is Status.REVOKED
    # at risk weighs more than expiring soon
    soon = base | {"valid_until": datetime(2026, 12, 20)}
    assert certificate_status(**soon)[0] is Status.EXPIRING
    assert certificate_status(**soon, freshness=Freshness.AT_RISK)[0] is Status.AT_RISK


# -- properties --------------------------------------------------------------------------
TESTS = ["t.a", "t.b", "t.c"]
runs_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),  # day
        st.booleans(),  # scheduled
        st.fixed_dictionaries({t: st.sampled_from(["passed", "failed", "skipped"]) for t in TESTS}),
    ),
    max_size=12,
)


def _points(raw: list[tuple[int, bool, dict[str, str]]]) -> list[Point]:
    return [
        Point(
            f"r{i:02d}",
            T0 + timedelta(days=d),
            s,
            all(v == "passed" for v in req.values()),
            0.0,
            req,
        )  # fmt: skip
        for i, (d, s, req) in enumerate(raw)
    ]


@given(runs_strategy)
def test_regressions_and_flips_agree_with_the_timeline(raw: list[tuple[int, bool, dict[str, str]]]) -> None:  # fmt: skip
    points = _points(raw)
    line = timeline(points)
    assert [p.at for p in line] == sorted(p.at for p in points)
    found = regressions(points)
    # each regression is a consecutive pair where the test went from passed to not
    pairs = list(zip(line, line[1:], strict=False))
    expected = sum(1 for a, b in pairs for t in TESTS if a.passed(t) and not b.passed(t))
    assert len(found) == expected
    for r in found:
        assert r.before.passed(r.test) and not r.after.passed(r.test)
        assert r.open == (not line[-1].passed(r.test))
    # flips: every pass->fail is a regression, and the flips of a test are its regressions
    # plus its recoveries
    for f in flaky_tests(points, min_flips=1):
        down = sum(1 for r in found if r.test == f.test)
        up = sum(1 for a, b in pairs if not a.passed(f.test) and b.passed(f.test))
        assert f.flips == down + up


@given(
    runs_strategy, st.integers(min_value=0, max_value=90), st.integers(min_value=1, max_value=30)
)
def test_freshness_properties(raw: list[tuple[int, bool, dict[str, str]]], day: int, lapse: int) -> None:  # fmt: skip
    points = _points(raw)
    now = T0 + timedelta(days=day)
    state = freshness(points, now=now, lapse_days=lapse)
    seen = [p for p in points if p.at <= now]
    if not seen:
        assert state.status is Freshness.UNTRACKED
        return
    passes = [p for p in seen if p.meets]
    if passes:
        last = max(p.at for p in passes)
        assert state.last_pass_at == last
        assert state.days_since_pass == (now - last).days
        # a pass within the window is never lapsed, one beyond it always is
        assert (state.status is Freshness.LAPSED) == ((now - last).days >= lapse)
    if state.status is Freshness.CURRENT and passes:
        # current: no scheduled failure after the last pass
        assert not any(p.scheduled and not p.meets and p.at > last for p in seen)
    # adding a passing run now always makes it current
    assert freshness([*points, P(day, True, run="zz")], now=now, lapse_days=lapse).status is Freshness.CURRENT  # fmt: skip
