"""A stored run as the core's :class:`~refcore.core.runs.TestRun`: the one way a run
in the database becomes evidence for reports, verdicts and what-if comparisons."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from refcore.core.runs import Outcome, TestResult, TestRun, split_test_id
from refcore.storage import repositories as repo
from refcore.storage.models import Run

__all__ = ["load_testrun"]


def _result(
    name: str, uuid: str, outcome: Outcome, reason: str | None, attempts: list[str] | None
) -> TestResult:
    tried = tuple(Outcome(a) for a in attempts) if attempts else ()
    if "[" in name:  # stored before v1 uploads read Tempest's [id-...] suffix
        base, attrs, attr_uuid = split_test_id(name)
        if base:
            return TestResult(
                base, outcome, uuid or attr_uuid or None, reason, attrs=attrs, attempts=tried
            )
    # every field by position: keyword arguments cost more, x 1,500 tests
    return TestResult(name, outcome, uuid or None, reason, None, (), tried)


def load_testrun(session: Session, run: Run) -> TestRun:
    """The stored run as the core's :class:`TestRun` (outcomes, reasons and the
    attempts of re-run tests kept)."""
    tests, reasons_json = repo.run_tests(session, run.id)
    reasons = json.loads(reasons_json) if reasons_json else {}
    attempts_json = repo.run_attempts(session, run.id)
    attempts = json.loads(attempts_json) if attempts_json else {}
    results = [_result(n, u, o, reasons.get(n), attempts.get(n)) for n, u, o in tests]
    return TestRun.from_results(
        results, format=run.format, cpid=run.cpid, duration_seconds=run.duration_seconds
    )
