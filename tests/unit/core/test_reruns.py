"""Re-runs and merged runs: which tests run again, and how outcomes combine, on the real
2020.06 object list mapped onto Tempest 47's real listing, with real subunit v2 streams."""

from __future__ import annotations

import pytest

from refcore.core.compliance import evaluate
from refcore.core.reruns import apply_rerun, merge_runs, rerun_selection
from refcore.core.results import parse_run
from refcore.core.runs import Outcome, TestResult, TestRun, split_test_id
from refcore.core.testmap import map_tests, parse_listing
from refcore.errors import ResultsError
from tests.subunit_streams import stream

OBJ = "tempest.api.object_storage"
CREATE = f"{OBJ}.test_container_services.ContainerTest.test_create_container"
OBJECT_CLASS = f"{OBJ}.test_object_services.ObjectTest"
FIXTURE = f"setUpClass ({OBJECT_CLASS})"


@pytest.fixture(scope="module")
def load_list(guidelines, samples_dir) -> list[str]:
    listing = parse_listing((samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text())
    ids = map_tests(guidelines["2020.06"], listing, "object", ("required",)).load_list()
    assert len(ids) == 58  # 2 identity + 56 object storage, as on the sandbox
    return ids


def first_pass(load_list: list[str]) -> bytes:
    """Every test passes but one failure and one class whose setUpClass failed."""
    results = []
    for test_id in load_list:
        name = split_test_id(test_id)[0]
        if name.startswith(OBJECT_CLASS + "."):
            continue  # the class never ran: its fixture failed
        results.append((test_id, "fail" if name == CREATE else "success"))
    results.append((FIXTURE, "fail"))
    return stream(results, reason="database is locked")


def test_selection_takes_failures_and_tests_stopped_by_a_fixture(load_list):
    run = parse_run(first_pass(load_list))
    again = rerun_selection(run, load_list)
    in_class = [i for i in load_list if i.startswith(OBJECT_CLASS + ".")]
    assert len(in_class) == 10
    assert again == [i for i in load_list if i in in_class or i.startswith(CREATE + "[")]
    # the ids are the load list's own (attributes kept), so Tempest finds them
    assert all("[id-" in i for i in again)


def test_selection_leaves_passes_and_skips(load_list):
    run = parse_run(
        stream([(i, "skip") for i in load_list[:3]] + [(i, "success") for i in load_list[3:]])
    )
    assert rerun_selection(run, load_list) == []


def test_unfinished_tests_are_errors_and_run_again(load_list):
    # a worker died: its test started and never ended
    run = parse_run(stream([(load_list[0], "success")], unfinished=(load_list[1],)))
    assert run.get(split_test_id(load_list[1])[0]).outcome is Outcome.ERROR
    assert rerun_selection(run, load_list) == [load_list[1]]


def test_a_rerun_in_the_same_stream_turns_a_failing_cloud_into_one_that_meets(
    guidelines, load_list
):
    first = first_pass(load_list)
    again = rerun_selection(parse_run(first), load_list)
    second = stream([(i, "success") for i in again], tags={"refcore-attempt-2"})
    g = guidelines["2020.06"]

    before = evaluate(parse_run(first), g, "object")
    assert not before.meets
    run = parse_run(first + second)
    report = evaluate(run, g, "object")
    assert report.meets
    # 11 tests did not pass before the re-run (some count in two capabilities)
    assert before.figures["nonFlagPassCount"] < report.figures["nonFlagPassCount"]
    retried = {t.test.name for _, t in report.passed_after_retry}
    assert CREATE in retried and len(retried) == 11
    create = run.get(CREATE)
    assert create.attempts == (Outcome.FAIL, Outcome.PASS)
    assert "database is locked" in (create.reason or "")
    # a test stopped by the fixture: its first attempt is the fixture's failure
    in_class = split_test_id(next(i for i in again if i.startswith(OBJECT_CLASS)))[0]
    assert run.get(in_class).attempts == (Outcome.FAIL, Outcome.PASS)
    # the fixture failure stood for the first attempt only
    assert FIXTURE not in run
    assert run.counts() == {"pass": 58, "fail": 0, "skip": 0, "error": 0}
    verdict = report.to_dict()
    assert verdict["passed_after_retry"] == len(report.passed_after_retry)


def test_untagged_repeats_keep_the_worse_outcome(load_list):
    one = load_list[0]
    run = parse_run(stream([(one, "fail")]) + stream([(one, "success")]))
    assert run.get(split_test_id(one)[0]).outcome is Outcome.FAIL


def test_a_test_failing_on_every_attempt_keeps_all_its_outcomes(load_list):
    one = load_list[0]
    data = stream([(one, "fail")]) + stream([(one, "fail")], tags={"refcore-attempt-2"})
    data += stream([(one, "fail")], tags={"refcore-attempt-3"})
    result = parse_run(data).get(split_test_id(one)[0])
    assert result.outcome is Outcome.FAIL and not result.passed_after_retry
    assert result.attempts == (Outcome.FAIL,) * 3


def test_a_fixture_failing_again_stays(load_list):
    run = parse_run(first_pass(load_list))
    run2 = apply_rerun(run, [TestResult(FIXTURE, Outcome.FAIL, reason="again")])
    assert run2.get(FIXTURE).attempts == (Outcome.FAIL, Outcome.FAIL)
    assert FIXTURE in run  # apply_rerun leaves its input alone


def r(name: str, outcome: Outcome) -> TestResult:
    return TestResult(name, outcome)


@pytest.mark.parametrize(
    ("outcomes", "final"),
    [
        ((Outcome.FAIL, Outcome.PASS), Outcome.PASS),
        ((Outcome.PASS, Outcome.FAIL), Outcome.PASS),  # a pass on any attempt wins
        ((Outcome.FAIL, Outcome.SKIP), Outcome.SKIP),  # never passed: the latest word
        ((Outcome.SKIP, Outcome.ERROR), Outcome.ERROR),
        ((Outcome.ERROR, Outcome.FAIL, Outcome.PASS), Outcome.PASS),
    ],
)
def test_merge_rule(outcomes, final):
    runs = [
        TestRun.from_results([r("t.T.test_a", o)], cpid="c1", duration_seconds=10) for o in outcomes
    ]
    merged = merge_runs(runs)
    result = merged.get("t.T.test_a")
    assert result.outcome is final
    assert result.attempts == outcomes
    assert result.passed_after_retry == (final is Outcome.PASS)
    assert merged.duration_seconds == 10 * len(outcomes)
    assert merged.cpid == "c1"


def test_merge_keeps_tests_only_one_run_has_and_leaves_inputs_alone():
    a = TestRun.from_results([r("t.A.test_1", Outcome.FAIL), r("t.A.test_2", Outcome.PASS)])
    b = TestRun.from_results([r("t.A.test_1", Outcome.PASS), r("t.B.test_3", Outcome.SKIP)])
    merged = merge_runs([a, b])
    assert {x.name: x.outcome for x in merged} == {
        "t.A.test_1": Outcome.PASS,
        "t.A.test_2": Outcome.PASS,
        "t.B.test_3": Outcome.SKIP,
    }
    assert merged.get("t.A.test_2").attempts == ()
    assert a.get("t.A.test_1").outcome is Outcome.FAIL and not a.get("t.A.test_1").attempts


def test_merge_refuses_runs_of_different_clouds_and_nothing():
    a = TestRun.from_results([r("t.A.test_1", Outcome.PASS)], cpid="cloud-a")
    b = TestRun.from_results([r("t.A.test_1", Outcome.PASS)], cpid="cloud-b")
    with pytest.raises(ResultsError, match="different clouds .*cloud-a, cloud-b"):
        merge_runs([a, b])
    with pytest.raises(ResultsError, match="no run"):
        merge_runs([])
    # a run that names no cloud (a passed list) merges with either
    c = TestRun.from_results([r("t.A.test_1", Outcome.FAIL)])
    assert merge_runs([c, a]).cpid == "cloud-a"
