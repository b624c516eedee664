"""Re-runs of failed tests and runs merged into one: which tests to run again, and the
rule that combines several outcomes of one test (pure, no I/O).

The rule (:data:`MERGE_RULE`), the same for ``refcore test --rerun-failed N`` and for
``refcore report RUN1 RUN2 ...``:

* a test that **passed on any attempt** counts as passed; if another attempt did not
  pass, it is *passed after retry* and every outcome is kept, in order, in
  :attr:`~refcore.core.runs.TestResult.attempts`;
* a test that passed on **no** attempt keeps its **latest** outcome (the cloud's latest
  word: a skip in a later run replaces an earlier failure and the other way round);
* a test that only one run has keeps that run's outcome;
* a test with no result of its own whose class or module fixture failed
  (``setUpClass (pkg.Class)``) counts as that failure on the earlier attempt; the
  fixture failure is dropped once a later attempt ran the class's tests without it;
* runs of different clouds (different cpids) are not merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from refcore.core.runs import Outcome, TestResult, TestRun, fixture_scope, split_test_id
from refcore.errors import ResultsError

__all__ = ["MERGE_RULE", "apply_rerun", "drop_recovered_fixtures", "merge_runs", "rerun_selection"]

MERGE_RULE = (
    "a test that passed on any attempt counts as passed (passed after retry when "
    "another attempt did not pass; every outcome is kept); one that never passed keeps "
    "its latest outcome; a failed class or module fixture counts as a failure of the "
    "tests it stopped; runs of different clouds are not merged"
)

_FAILED = (Outcome.FAIL, Outcome.ERROR)


def rerun_selection(run: TestRun, load_list: Iterable[str]) -> list[str]:
    """The ids of ``load_list`` to run again: those whose result failed or errored, and
    those without a result of their own whose class or module fixture failed (or whose
    module could not be imported). Order and ids are the load list's."""
    failed_names = {r.name for r in run if r.outcome in _FAILED and fixture_scope(r.name) is None}
    scopes = {
        scope for r in run if r.outcome in _FAILED and (scope := fixture_scope(r.name)) is not None
    }
    selected = []
    for test_id in load_list:
        name = split_test_id(test_id)[0]
        if name in failed_names or (name and name not in run and _under(name, scopes)):
            selected.append(test_id)
    return selected


def _under(name: str, scopes: set[str]) -> bool:
    scope = name
    while scope and scopes:
        if scope in scopes:
            return True
        scope = scope.rpartition(".")[0]
    return False


def apply_rerun(run: TestRun, rerun: Iterable[TestResult]) -> TestRun:
    """A new run: ``run`` with the results of a later attempt applied by the rule."""
    merged = _copy(run)
    later = list(rerun)
    for result in later:
        merged.add(result, retry=True)
    drop_recovered_fixtures(merged, later)
    return merged


def merge_runs(runs: Sequence[TestRun]) -> TestRun:
    """Several runs of one cloud as one, in the order given (the later ones are taken
    as re-runs of the earlier). Raises :class:`ResultsError` for no run or for runs of
    different clouds."""
    if not runs:
        raise ResultsError("no run to merge")
    cpids = sorted({r.cpid for r in runs if r.cpid})
    if len(cpids) > 1:
        raise ResultsError(
            f"these runs are of different clouds (cpids {', '.join(cpids)}): not merged"
        )
    merged = runs[0]
    for later in runs[1:]:
        merged = apply_rerun(merged, later)
    merged = _copy(merged) if len(runs) == 1 else merged
    merged.cpid = cpids[0] if cpids else None
    durations = [r.duration_seconds for r in runs if r.duration_seconds is not None]
    merged.duration_seconds = sum(durations) if durations else None
    merged.format = runs[0].format if len({r.format for r in runs}) == 1 else "merged"
    merged.source = " + ".join(r.source or "?" for r in runs)
    return merged


def _copy(run: TestRun) -> TestRun:
    return TestRun(
        dict(run.results),
        format=run.format,
        cpid=run.cpid,
        duration_seconds=run.duration_seconds,
        source=run.source,
    )


def drop_recovered_fixtures(run: TestRun, later: list[TestResult]) -> None:
    """A fixture failure whose class or module ran again without failing its fixture
    stood for the earlier attempt only: the tests it stopped now carry it in their
    attempts, so it leaves the results."""
    failing_again = {r.name for r in later if r.outcome in _FAILED}
    names = [r.name for r in later]
    for result in list(run):
        scope = fixture_scope(result.name)
        if scope is None or result.outcome not in _FAILED or result.name in failing_again:
            continue
        if any(n == scope or n.startswith(scope + ".") for n in names):
            del run.results[result.name]
