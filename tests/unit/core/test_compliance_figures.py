"""``required_figures`` (the "meets" summary's figures without a report) against
``evaluate``: the same figures under refcore's rules and RefStack's, for every real
guideline x target, on random runs of the guidelines' own test names, aliases and ids."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from refcore.core.compliance import RunIndex, evaluate, required_figures
from refcore.core.guidelines import Test
from refcore.core.runs import Outcome, TestResult, TestRun

#: what a run says of one guideline test
ACTIONS = (
    "name",  # a result under its name
    "alias",  # under one of its aliases (RefStack's rule)
    "uuid",  # under a new name with its idempotent id (Tempest renamed it)
    "class_fixture",  # its class's setUpClass failed or skipped, no result of its own
    "module_fixture",  # its module's setUpModule
    "not_loadable",  # unittest.loader._FailedTest.<module>: an import error
    "missing",  # nothing
)
OUTCOMES = st.sampled_from(list(Outcome))


def _pool(guidelines: Any) -> list[Test]:
    """Every distinct guideline test (a name listed by several guidelines can carry other
    aliases or ids in each: all kept)."""
    seen: dict[tuple[str, tuple[str, ...], str | None], Test] = {}
    for g in guidelines.values():
        for cap in g.capabilities.values():
            for t in cap.tests:
                seen.setdefault((t.name, t.aliases, t.uuid), t)
    return list(seen.values())


def _results(test: Test, action: str, outcome: Outcome, with_uuid: bool) -> list[TestResult]:
    uuid = test.uuid if with_uuid else None
    module = test.name.rpartition(".")[0].rpartition(".")[0]
    if action == "name":
        return [TestResult(test.name, outcome, uuid)]
    if action == "alias" and test.aliases:
        return [TestResult(test.aliases[len(test.name) % len(test.aliases)], outcome, uuid)]
    if action == "uuid" and test.uuid:
        return [TestResult(f"tempest.renamed.{test.uuid}", outcome, test.uuid)]
    if action == "class_fixture":
        fixture = f"setUpClass ({test.name.rpartition('.')[0]})"
        return [TestResult(fixture, outcome, None, "fixture said so")]
    if action == "module_fixture" and module:
        return [TestResult(f"setUpModule ({module})", outcome)]
    if action == "not_loadable" and module:
        return [TestResult(f"unittest.loader._FailedTest.{module}", Outcome.ERROR)]
    return []


@st.composite
def runs(draw: st.DrawFn, pool: list[Test]) -> TestRun:
    """A run that passes every guideline test by name, or none (each with or without its
    id), and then says other things of some of them."""
    default = draw(st.sampled_from(["name", "missing"]))
    results = [TestResult(t.name, Outcome.PASS, t.uuid if i % 3 else None) for i, t in enumerate(pool)] if default == "name" else []  # fmt: skip
    changes = st.tuples(
        st.integers(0, len(pool) - 1), st.sampled_from(ACTIONS), OUTCOMES, st.booleans()
    )
    touched: dict[str, list[TestResult]] = {}
    for i, action, outcome, with_uuid in draw(st.lists(changes, max_size=120)):
        test = pool[i]
        if action == "missing":
            touched[test.name] = []
            continue
        touched.setdefault(test.name, []).extend(_results(test, action, outcome, with_uuid))
    # the drawn tests' own results replace the default one (a result can still clash
    # with another test's name or id: any run is a run)
    kept = [r for r in results if r.name not in touched]
    extra = [r for rs in touched.values() for r in rs]
    retried = draw(st.sampled_from([(), (Outcome.FAIL, Outcome.PASS)]))
    if retried and extra:
        r = extra[0]
        extra[0] = TestResult(r.name, Outcome.PASS, r.uuid, "fail on another attempt", attempts=retried)  # fmt: skip
    return TestRun.from_results(kept + extra)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_required_figures_are_evaluates_figures(guidelines: Any, data: st.DataObject) -> None:
    run = data.draw(runs(_pool(guidelines)))
    index = RunIndex(run)
    fresh = RunIndex(run)  # no verdict judged before: figures alone, from scratch
    for g in guidelines.values():
        for target in g.targets:
            report = evaluate(index, g, target)
            expected = (report.figures, report.refstack_figures)
            assert required_figures(fresh, g, target) == expected, (g.id, target)
            assert required_figures(index, g, target) == expected, (g.id, target)


def test_required_figures_of_a_run_meeting_a_guideline(guidelines: Any) -> None:
    """Not only failures: a run of 2020.06's required tests (renamed ones by their id)
    meets its platform target under both functions, and RefStack's rules see the renames
    as misses."""
    g = guidelines["2020.06"]
    statuses = g.capability_statuses("platform")
    required = [
        t
        for name, status in statuses.items()
        if status == "required"
        for t in g.capabilities[name].tests
    ]
    once = [t for t in required if t.uuid and sum(u.name == t.name for u in required) == 1]
    renamed = once[0]
    results = [TestResult(t.name, Outcome.PASS, t.uuid) for t in required if t is not renamed]
    results.append(TestResult("tempest.renamed.test", Outcome.PASS, renamed.uuid))
    run = TestRun.from_results(results)
    ours, refstack = required_figures(run, g, "platform")
    report = evaluate(run, g, "platform")
    assert ours["meets"] and (ours, refstack) == (report.figures, report.refstack_figures)
    assert refstack["totalRequiredFailCount"] == ours["totalRequiredFailCount"] + 1
