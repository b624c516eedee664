"""A run with re-runs (refcore test --rerun-failed) uploaded to v2: the test counts as
passed and what the failed attempt said is stored with it."""

from __future__ import annotations

import json

from refcore.core.runs import Outcome
from refcore.services import accounts, runs
from refcore.storage import repositories as repo
from tests.subunit_streams import stream

NAME = "tempest.api.object_storage.test_container_services.ContainerTest.test_create_container"
ID = NAME + "[id-92139d73-7819-4db1-85f8-3f2f22a8d91f,smoke]"
OTHER = (
    "tempest.api.object_storage.test_container_services.ContainerTest.test_list_container_contents"
)


def test_passed_after_retry_is_stored_with_both_outcomes(db_session) -> None:  # type: ignore[no-untyped-def]
    body = stream([(ID, "fail"), (OTHER, "fail")], reason="database is locked")
    body += stream([(ID, "success")], tags={"refcore-attempt-2"})
    run = runs.submit_v2(db_session, runs.Upload(body), accounts.ANONYMOUS, allow_anonymous=True)
    assert (run.passed_count, run.failed_count) == (1, 1)
    tests, reasons = repo.run_tests(db_session, run.id)
    assert sorted((n, o) for n, _, o in tests) == [(NAME, Outcome.PASS), (OTHER, Outcome.FAIL)]
    stored = json.loads(reasons or "{}")
    assert stored[NAME] == "fail on another attempt: Exception: database is locked"
    assert stored[OTHER] == "Exception: database is locked"


def test_stored_attempts_reach_the_report(db_session, guidelines) -> None:  # type: ignore[no-untyped-def]
    """Both outcomes of a test that passed on its second attempt come back from the
    database: the stored report says "passed after retry" with fail then pass."""
    from refcore.services import reports
    from refcore.services.guidelines import FixedSource
    from refcore.services.testruns import load_testrun

    body = stream([(ID, "fail"), (OTHER, "fail")], reason="database is locked")
    body += stream([(ID, "success")], tags={"refcore-attempt-2"})
    run = runs.submit_v2(db_session, runs.Upload(body), accounts.ANONYMOUS, allow_anonymous=True)
    assert json.loads(repo.run_attempts(db_session, run.id) or "{}") == {NAME: ["fail", "pass"]}
    loaded = load_testrun(db_session, run)
    assert loaded.results[NAME].attempts == (Outcome.FAIL, Outcome.PASS)
    assert loaded.results[OTHER].attempts == ()
    report = reports.report_data(
        db_session, accounts.ANONYMOUS, run.id, FixedSource(guidelines), "2020.06", "object"
    )
    assert report["passed_after_retry"] == 1
    retried = [t for c in report["capabilities"] for t in c["tests"] if t["passed_after_retry"]]
    assert [(t["name"], t["attempts"], t["state"]) for t in retried] == [
        (NAME, ["fail", "pass"], "passed")
    ]
    assert retried[0]["reason"] == "fail on another attempt: Exception: database is locked"
    # a run without re-runs stores no attempts
    plain = runs.submit_v2(
        db_session,
        runs.Upload(stream([(OTHER, "success")])),
        accounts.ANONYMOUS,
        allow_anonymous=True,
    )
    assert repo.run_attempts(db_session, plain.id) is None
