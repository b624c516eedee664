"""Scoring evidence from storage: "Widely Deployed" from constructed clouds' stored
runs, and usage declarations stored and counted; each test in a rolled-back
transaction on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from refcore.core.runs import Outcome
from refcore.errors import Conflict, ScoringError, Unauthorized
from refcore.services import accounts, deployment, runs, runs_edit, scoring, usage
from refcore.storage.models import Run

X = "compute-flavors-list"  # two tests in 2020.06
Y = "compute-servers-delete"  # three tests
T0 = datetime(2024, 1, 1)


@pytest.fixture
def caps(guidelines):  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    return {X: g.capabilities[X], Y: g.capabilities[Y]}


def results_of(cap, outcome: Outcome = Outcome.PASS, *, rename: bool = False):  # type: ignore[no-untyped-def]
    """(name, uuid, outcome) of every test of a capability (optionally renamed, so
    only the idempotent id can match)."""
    return [(t.name + ("_renamed" if rename else ""), t.uuid or "", outcome) for t in cap.tests]


def store(session, cpid: str, tests, *, minutes: int, owner=None):  # type: ignore[no-untyped-def]
    """A stored run of cloud ``cpid`` at T0 + minutes; anonymous runs are shared
    (public), runs with an owner are private until shared."""
    extra = [("tempest.api.unrelated.Test.test_other", "", Outcome.PASS)]
    run = runs.store_run(
        session, list(tests) + extra, owner=owner, cpid=cpid, duration_seconds=1,
        api="v2", format="passed-list",
    )  # fmt: skip
    run.created_at = T0 + timedelta(minutes=minutes)
    session.commit()
    return run


def five_clouds(session, caps) -> None:  # type: ignore[no-untyped-def]
    """c1..c3 pass X (c3 only by idempotent id); c4 fails one of X's tests; c5 runs only Y."""
    store(session, "c1", results_of(caps[X]) + results_of(caps[Y]), minutes=1)
    store(session, "c2", results_of(caps[X]), minutes=2)
    store(session, "c3", results_of(caps[X], rename=True), minutes=3)
    t = results_of(caps[X])
    store(session, "c4", [t[0], (t[1][0], t[1][1], Outcome.FAIL)], minutes=4)
    store(session, "c5", results_of(caps[Y]), minutes=5)


def test_share_of_clouds_whose_latest_shared_run_passes(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_clouds(db_session, caps)
    marks = deployment.deployed(db_session, caps)
    x = marks[X]
    assert x.value == "1"
    assert x.evidence["clouds"] == 5 and x.evidence["passing"] == 3
    assert x.evidence["passing_share"] == 0.6
    assert marks[Y].value == "0" and marks[Y].evidence["passing"] == 2  # c1, c5
    # no cpid anywhere in the evidence
    assert not any(f"c{i}" in json.dumps(m.to_dict()) for m in marks.values() for i in range(1, 6))
    stricter = deployment.deployed(db_session, caps, share=0.7)
    assert stricter[X].value == "0"


def test_below_the_minimum_number_of_clouds_nothing_counts(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    store(db_session, "a", results_of(caps[X]), minutes=1)
    store(db_session, "b", results_of(caps[X]), minutes=2)
    marks = deployment.deployed(db_session, caps)
    assert marks[X].value == "?" and "passing" not in marks[X].evidence
    assert marks[X].evidence["reason"] == "2 clouds, fewer than 3"
    five_clouds(db_session, caps)
    assert deployment.deployed(db_session, caps)[X].value == "1"
    assert deployment.deployed(db_session, caps, min_clouds=8)[X].value == "?"


def test_unshared_runs_are_ignored_until_shared(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_clouds(db_session, caps)
    user = accounts.create_user(db_session, "deploy-owner")
    actor = accounts.actor_for(db_session, user)
    private = store(db_session, "c6", results_of(caps[X]), minutes=6, owner=user)
    assert not private.listed
    before = deployment.deployed(db_session, caps)[X].evidence
    assert (before["clouds"], before["passing"]) == (5, 3)
    runs_edit.set_meta(db_session, actor, private.id, "shared", "true")
    after = deployment.deployed(db_session, caps)[X].evidence
    assert (after["clouds"], after["passing"]) == (6, 4)


def test_a_newer_failing_run_replaces_an_older_passing_one(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_clouds(db_session, caps)
    store(db_session, "c1", results_of(caps[X], Outcome.FAIL), minutes=10)
    x = deployment.deployed(db_session, caps)[X].evidence
    assert (x["clouds"], x["passing"]) == (5, 2)
    # ... but a newer private run does not replace the latest shared one
    user = accounts.create_user(db_session, "deploy-private")
    store(db_session, "c2", results_of(caps[X], Outcome.FAIL), minutes=11, owner=user)
    assert deployment.deployed(db_session, caps)[X].evidence["passing"] == 2
    latest = {cpid: at for _, cpid, at in deployment.latest_shared_runs(db_session)}
    assert latest["c1"] == T0 + timedelta(minutes=10)
    assert latest["c2"] == T0 + timedelta(minutes=2)


def test_records_hold_only_the_tests_asked_about(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_clouds(db_session, caps)
    records = {r.passed for r in deployment.run_records(db_session, {X: caps[X]})}
    seen = set().union(*records)
    assert {t.uuid for t in caps[X].tests} <= seen
    # Y's tests and the unrelated test are never loaded; c3's renamed tests come
    # with their idempotent id, which is what matched
    assert not seen & {s for t in caps[Y].tests for s in (*t.names, t.uuid)}
    assert "tempest.api.unrelated.Test.test_other" not in seen
    assert {s for s in seen if s.endswith("_renamed")} == {
        t.name + "_renamed" for t in caps[X].tests
    }
    assert frozenset() in records  # c5 ran none of X's tests
    assert db_session.query(Run).count() == 5


DECL = {"name": "mist", "kind": "client", "capabilities": [X, Y]}


def test_usage_declarations_are_stored_and_counted(db_session) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.actor_for(db_session, accounts.create_user(db_session, "usage-owner"))
    other = accounts.actor_for(db_session, accounts.create_user(db_session, "usage-other"))
    with pytest.raises(Unauthorized):
        usage.store(db_session, accounts.ANONYMOUS, json.dumps(DECL))
    first = usage.store(db_session, owner, json.dumps(DECL))
    assert first.created
    usage.store(db_session, other, f"name: gophercloud\nkind: client\ncapabilities: [{X}]\n")
    usage.store(
        db_session,
        other,
        "name: ansible\nkind: tool\napi_calls:\n"
        f"  - {{method: GET, path: /flavors, capability: {X}}}\n"
        "  - {method: GET, path: /v2/images}\n",
    )
    listing = usage.list_declarations(db_session)
    assert listing["counts"][X] == {"clients": 2, "tools": 1}
    assert listing["counts"][Y] == {"clients": 1, "tools": 0}
    ansible = next(d for d in listing["declarations"] if d["name"] == "ansible")
    assert ansible["unmapped_calls"] == ["GET /v2/images"]
    # the owner replaces it; someone else may not
    again = usage.store(db_session, owner, json.dumps({**DECL, "capabilities": [Y]}))
    assert not again.created and again.row.id == first.row.id
    assert usage.list_declarations(db_session)["counts"][X] == {"clients": 1, "tools": 1}
    with pytest.raises(Conflict, match="belongs to another user"):
        usage.store(db_session, other, json.dumps(DECL))
    with pytest.raises(ScoringError) as bad:
        usage.store(db_session, owner, json.dumps({"name": "x", "kind": "robot"}))
    assert bad.value.errors


def test_suggest_uses_stored_runs_and_declarations(db_session, caps, guidelines) -> None:  # type: ignore[no-untyped-def]
    five_clouds(db_session, caps)
    owner = accounts.actor_for(db_session, accounts.create_user(db_session, "suggest-owner"))
    usage.store(db_session, owner, json.dumps(DECL))
    body = scoring.suggest(db_session, guidelines["2020.06"], guidelines)
    assert body["criteria"] == ["deployed", "tools", "clients", "stable", "sticky"]
    assert body["evidence"] == {
        "clouds": 5,
        "min_clouds": 3,
        "share": 0.5,
        "declarations": {"client": 1, "tool": 0},
    }
    x = next(c for c in body["capabilities"] if c["capability"] == X)
    assert x["computed"]["deployed"]["value"] == "1"
    assert x["computed"]["clients"]["evidence"]["used_by"] == ["mist"]
    assert x["computed"]["tools"]["value"] == "?"
    # recorded achievements of 2020.06's X, and the flagged differences
    recorded = set(guidelines["2020.06"].capabilities[X].achievements)
    for key in ("deployed", "clients"):
        assert (key in x["differences"]) == (key not in recorded)
    with pytest.raises(ScoringError, match="below 3"):
        scoring.suggest(db_session, guidelines["2020.06"], guidelines, min_clouds=2)
