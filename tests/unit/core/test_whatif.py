"""What-if: runs built from the real guidelines' own test lists."""

from __future__ import annotations

import json

from refcore.core.guidelines import GuidelineSet
from refcore.core.runs import Outcome, TestResult, TestRun
from refcore.core.whatif import what_if


def _run(names: list[str]) -> TestRun:
    return TestRun.from_results(TestResult(n, Outcome.PASS) for n in names)


def test_what_if_2016_01_to_2016_08(guidelines: GuidelineSet) -> None:
    a, b = guidelines["2016.01"], guidelines["2016.08"]
    must_a = [
        t.name for cap, t in a.tests("platform") if a.capability_statuses()[cap.name] == "required"
    ]
    must_b = [
        t.name for cap, t in b.tests("platform") if b.capability_statuses()[cap.name] == "required"
    ]
    runs = {
        "passes-a-only": _run(must_a),
        "passes-both": _run(must_a + must_b),
        "passes-nothing": _run([]),
    }
    result = what_if(runs, a, b)
    rows = {r.label: r for r in result.rows}
    assert rows["passes-both"].change == "kept" and rows["passes-both"].missing_b == []
    lost = rows["passes-a-only"]
    assert lost.change == "lost" and lost.missing_a == []
    # what it would miss: required in 2016.08, not required in 2016.01 (the 21 promoted
    # capabilities) and tests new to required capabilities; never a flagged test
    missed_caps = {c for c, _ in lost.missing_b}
    assert "compute-list-api-versions" in missed_caps and "networks-l2-CRUD" in missed_caps
    flagged = {t.name for _, t in b.tests() if t.flagged}
    assert not {t for _, t in lost.missing_b} & flagged
    assert rows["passes-nothing"].change == "never"
    data = result.to_dict()
    json.dumps(data)
    assert data["counts"] == {"kept": 1, "lost": 1, "gained": 0, "never": 1}


def test_what_if_identical_requirements(guidelines: GuidelineSet) -> None:
    a, b = guidelines["2019.11"], guidelines["2020.06"]
    names = [t.name for _, t in a.tests("platform")]
    result = what_if({"x": _run(names[: len(names) // 2])}, a, b)
    (row,) = result.rows
    assert row.missing_a == row.missing_b and row.change == "never"
