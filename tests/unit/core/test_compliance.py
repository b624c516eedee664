"""Per-capability compliance, RefStack's figures, and the renamed-test rule."""

from __future__ import annotations

from refcore.core.compliance import TestState, evaluate, evaluate_all
from refcore.core.parsing import parse_guideline
from refcore.core.runs import Outcome, TestResult, TestRun


def _run(*results: tuple[str, Outcome] | tuple[str, Outcome, str | None, str | None]) -> TestRun:
    out = []
    for r in results:
        name, outcome, *rest = r
        uuid = rest[0] if rest else None
        reason = rest[1] if len(rest) > 1 else None
        out.append(TestResult(name, outcome, uuid, reason))
    return TestRun.from_results(out)


def _guideline():
    return parse_guideline(
        {
            "metadata": {"id": "2099.01", "schema": "2.0"},
            "platforms": {"OpenStack Powered Platform": {"components": [{"name": "c"}]}},
            "components": {"c": {"capabilities": {"required": ["a", "b"], "advisory": ["d"]}}},
            "capabilities": {
                "a": {
                    "tests": {
                        "t.a1": {
                            "idempotent_id": "id-00000000-0000-0000-0000-00000000000a",
                            "aliases": ["t.a1_old"],
                        },
                        "t.a2": {
                            "idempotent_id": "id-00000000-0000-0000-0000-00000000000b",
                            "flagged": {"reason": "D402 bug"},
                        },
                    }
                },
                "b": {
                    "tests": {
                        "t.b1": {"idempotent_id": "id-00000000-0000-0000-0000-00000000000c"},
                        "t.b2": {"idempotent_id": "id-00000000-0000-0000-0000-00000000000d"},
                    }
                },
                "d": {"tests": {"t.d1": {"idempotent_id": ""}}},
            },
        },
        file="2099.01.json",
    )


def test_rules_name_alias_and_idempotent_id():
    g = _guideline()
    run = _run(
        ("t.a1_old", Outcome.PASS),
        ("t.b1", Outcome.PASS),
        ("t.renamed_b2", Outcome.PASS, "00000000-0000-0000-0000-00000000000d"),
    )
    r = evaluate(run, g)
    a1, a2 = r.capability("a").tests
    assert (a1.state, a1.matched_by, a1.matched_name) == (TestState.PASSED, "alias", "t.a1_old")
    assert a2.state is TestState.NOT_RUN and a2.flagged
    b1, b2 = r.capability("b").tests
    assert b1.matched_by == "name"
    assert (b2.matched_by, b2.matched_name) == ("idempotent_id", "t.renamed_b2")
    # refcore: all non-flagged required tests passed (the flagged one is tolerated)
    assert r.meets and r.figures["nonFlagPassCount"] == 3
    # RefStack ignores idempotent ids: b2 is a miss for it
    assert not r.meets_refstack
    assert r.refstack_figures["totalRequiredFailCount"] == 2
    assert r.renamed_matches == 1


def test_refstack_figures():
    g = _guideline()
    run = _run(("t.a1", Outcome.PASS), ("t.a2", Outcome.PASS), ("t.b1", Outcome.FAIL, None, "boom"))
    r = evaluate(run, g)
    assert r.by_status["required"].to_dict() == {
        "count": 4,
        "passedCount": 2,
        "flagPassCount": 1,
        "flagFailCount": 0,
    }
    f = r.figures
    assert f["requiredPassPercent"] == 50
    assert f["totalRequiredFailCount"] == 2
    assert f["totalRequiredFlagCount"] == 1
    assert f["totalNonFlagCount"] == 3
    assert f["nonFlagPassCount"] == 1
    assert f["nonFlagRequiredPassPercent"] == 33.33
    assert not r.meets
    b1 = r.capability("b").tests[0]
    assert (b1.state, b1.reason) == (TestState.FAILED, "boom")
    assert [t.test.name for _, t in r.required_missing] == ["t.b1", "t.b2"]


def test_skip_reason_is_reported():
    g = _guideline()
    r = evaluate(_run(("t.b2", Outcome.SKIP, None, "Skipped because of bug#2147232")), g)
    b2 = r.capability("b").tests[1]
    assert b2.state is TestState.SKIPPED and b2.reason == "Skipped because of bug#2147232"
    assert r.capability("b").to_dict()["counts"]["skipped"] == 1


def test_failed_class_fixture_fails_the_tests_of_its_class():
    """Tempest reports a failed resource_setup once, as ``setUpClass (module.Class)``;
    the class's tests never start. They failed, with the fixture's reason."""
    g = parse_guideline(
        {
            "metadata": {"id": "2099.02", "schema": "2.0"},
            "platforms": {"OpenStack Powered Platform": {"components": [{"name": "c"}]}},
            "components": {"c": {"capabilities": {"required": ["a"]}}},
            "capabilities": {
                "a": {
                    "tests": {
                        "pkg.mod.K.test_one": {"idempotent_id": ""},
                        "pkg.mod.K.test_two": {"idempotent_id": ""},
                        "pkg.other.L.test_three": {"idempotent_id": ""},
                        "pkg.gone.M.test_four": {"idempotent_id": ""},
                        "pkg.broken.N.test_five": {"idempotent_id": ""},
                        "pkg.lost.O.test_six": {"idempotent_id": ""},
                    }
                }
            },
        },
        file="2099.02.json",
    )
    run = _run(
        ("setUpClass (pkg.mod.K)", Outcome.FAIL, None, "Details: 503"),
        ("setUpModule (pkg.other)", Outcome.ERROR, None, "ImportError"),
        ("tearDownClass (pkg.gone.M)", Outcome.FAIL, None, "cleanup"),
        ("pkg.mod.K.test_one", Outcome.PASS),  # a result of its own wins
        ("unittest.loader._FailedTest.pkg.broken", Outcome.FAIL, None, "ImportError: x"),
        ("unittest.loader._FailedTest.pkg.lost.O.test_six", Outcome.FAIL, None, "gone"),
    )
    tests = {t.test.name: t for t in evaluate(run, g).capability("a").tests}
    assert tests["pkg.mod.K.test_one"].state is TestState.PASSED
    two = tests["pkg.mod.K.test_two"]
    assert (two.state, two.matched_by, two.matched_name) == (
        TestState.FAILED,
        "fixture",
        "setUpClass (pkg.mod.K)",
    )
    assert two.reason == "setUpClass (pkg.mod.K) failed: Details: 503"
    three = tests["pkg.other.L.test_three"]
    assert three.state is TestState.FAILED and three.reason == (
        "setUpModule (pkg.other) failed: ImportError"
    )
    five = tests["pkg.broken.N.test_five"]
    assert five.state is TestState.FAILED and five.reason == (
        "unittest.loader._FailedTest.pkg.broken failed: ImportError: x"
    )
    assert tests["pkg.lost.O.test_six"].matched_name == (
        "unittest.loader._FailedTest.pkg.lost.O.test_six"
    )
    # a failed tearDownClass does not stand for tests that never ran
    assert tests["pkg.gone.M.test_four"].state is TestState.NOT_RUN
    # a passed fixture is no failure
    ok = evaluate(_run(("setUpClass (pkg.mod.K)", Outcome.PASS)), g).capability("a")
    assert all(t.state is TestState.NOT_RUN for t in ok.tests)


def test_real_skipped_class_skips_the_tests_of_its_class(guidelines):
    """What Tempest and designate-tempest-plugin 0.30.0 reported on a cloud without
    Designate: one ``setUpClass`` skip per class, no result per test. The tests were
    skipped, with the class's reason, not left 'not run'."""
    reason = "RecordsetsTest skipped as designate is not available"
    run = _run(
        (
            "setUpClass (designate_tempest_plugin.tests.api.v2.test_recordset.RecordsetsTest)",
            Outcome.SKIP,
            None,
            reason,
        ),
    )
    cap = evaluate(run, guidelines["dns.2020.06"], "dns").capability("dns-record-crud")
    assert len(cap.tests) == 6
    assert all(t.state is TestState.SKIPPED and t.reason == reason for t in cap.tests)
    assert {t.matched_by for t in cap.tests} == {"fixture"}
    assert cap.to_dict()["counts"]["skipped"] == 6


def test_no_required_tests_is_not_a_pass():
    g = _guideline()
    empty = evaluate(_run(("x", Outcome.PASS)), g)
    assert not empty.meets
    assert evaluate(TestRun(), g).figures["requiredPassPercent"] == 0


def test_real_guideline_object_program(guidelines):
    g = guidelines["2020.06"]
    names = {line.split("[")[0] for line in g.test_list("object", ["required"], alias=False)}
    run = TestRun.from_results(TestResult(n, Outcome.PASS) for n in names)
    assert len(run) == 58  # 2 identity + 56 object storage tests
    r = evaluate(run, g, "object")
    assert r.meets and r.meets_refstack
    assert r.figures["totalNonFlagCount"] == 60  # one test counted in two capabilities
    # skip the one test Tempest 47 skips with static accounts
    skipped = "tempest.api.object_storage.test_account_services.AccountTest.test_list_containers_with_marker"
    run.add(TestResult(skipped, Outcome.SKIP, reason="Skipped because of bug#2147232"))
    r = evaluate(run, g, "object")
    assert not r.meets
    cap = r.capability("objectstore-account-list")
    assert not cap.met and cap.must_pass_missing[0].reason == "Skipped because of bug#2147232"


def test_renamed_tests_found_by_id(guidelines):
    """2017.01's tests under Tempest 47 names: a test whose name changed still counts."""
    g = guidelines["2017.01"]
    cap, test = next((c, t) for c, t in g.tests("platform") if t.uuid and not t.aliases)
    run = TestRun.from_results([TestResult("tempest.new.Name.test_x", Outcome.PASS, test.uuid)])
    r = evaluate(run, g)
    verdict = next(t for t in r.capability(cap.name).tests if t.test is test)
    assert verdict.passed and verdict.matched_by == "idempotent_id"


def test_evaluate_all_lists_what_a_run_meets(guidelines):
    g = guidelines["2020.06"]
    names = {line.split("[")[0] for line in g.test_list("object", alias=False)}
    run = TestRun.from_results(TestResult(n, Outcome.PASS) for n in names)
    met = {(r.guideline, r.target) for r in evaluate_all(run, guidelines.values()) if r.meets}
    assert ("2020.06", "object") in met and ("2019.11", "object") in met
    assert ("2020.06", "platform") not in met
    assert not any(t == "compute" for _, t in met)


def test_undefined_capability_counts_zero_tests(guidelines):
    r = evaluate(TestRun(), guidelines["2018.02"])
    cap = r.capability("volumes-v2-attach-detach")
    assert not cap.defined and cap.tests == [] and cap.status == "removed"


def test_to_dict_is_json_ready(guidelines):
    import json

    r = evaluate(TestRun(), guidelines["2020.06"], "object")
    data = json.loads(json.dumps(r.to_dict()))
    assert data["guideline"] == "2020.06" and data["target"] == "object"
    assert data["capabilities"][0]["tests"][0]["state"] == "not_run"
    assert set(data["refstack"]) == {"summary", "by_status"}
