"""A stored run as the core's :class:`~refcore.core.runs.TestRun`: the one way a run
in the database becomes evidence for reports, verdicts and what-if comparisons."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from refcore.core.runs import TestResult, TestRun
from refcore.storage import repositories as repo
from refcore.storage.models import Run

__all__ = ["load_testrun"]


def load_testrun(session: Session, run: Run) -> TestRun:
    """The stored run as the core's :class:`TestRun` (outcomes and reasons kept)."""
    tests, reasons_json = repo.run_tests(session, run.id)
    reasons = json.loads(reasons_json) if reasons_json else {}
    results = [TestResult(n, o, u or None, reasons.get(n)) for n, u, o in tests]
    return TestRun.from_results(
        results, format=run.format, cpid=run.cpid, duration_seconds=run.duration_seconds
    )
