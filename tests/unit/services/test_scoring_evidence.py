"""Scoring evidence from storage: "Widely Deployed" from constructed clouds' stored
runs, and usage declarations stored and counted; each test in a rolled-back
transaction on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from refcore.core.runs import Outcome
from refcore.errors import Conflict, ScoringError, Unauthorized
from refcore.services import accounts, deployment, runs, runs_edit, scoring, usage
from refcore.storage.models import Organization, Product, ProductVersion, Run, utcnow

X = "compute-flavors-list"  # two tests in 2020.06
Y = "compute-servers-delete"  # three tests
T0 = utcnow() - timedelta(days=30)


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


def verified(session, vendor: str, product: str, tests, *, minutes: int):  # type: ignore[no-untyped-def]
    """A run of ``product`` (of ``vendor``), associated with a version and verified."""
    if session.get(Organization, vendor) is None:
        session.add(Organization(id=vendor, type=3, name=vendor))
    if session.get(Product, product) is None:
        session.add(
            Product(id=product, name=product, organization_id=vendor, type=0, product_type=0)
        )
        session.add(ProductVersion(id=f"{product}-v", product_id=product, version="1"))
    session.flush()
    run = store(session, f"cloud-{product}-{minutes}", tests, minutes=minutes)
    run.product_version_id = f"{product}-v"
    run.verification_status = 1
    session.commit()
    return run


def five_products(session, caps) -> None:  # type: ignore[no-untyped-def]
    """Three vendors, five verified products: p1..p3 pass X (p3 only by idempotent id); p4
    fails one of X's tests; p5 runs only Y. Vendor a has p1 and p2."""
    verified(session, "a", "p1", results_of(caps[X]) + results_of(caps[Y]), minutes=1)
    verified(session, "a", "p2", results_of(caps[X]), minutes=2)
    verified(session, "b", "p3", results_of(caps[X], rename=True), minutes=3)
    t = results_of(caps[X])
    verified(session, "c", "p4", [t[0], (t[1][0], t[1][1], Outcome.FAIL)], minutes=4)
    verified(session, "c", "p5", results_of(caps[Y]), minutes=5)


def test_share_of_verified_products_whose_latest_run_passes(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_products(db_session, caps)
    marks = deployment.deployed(db_session, caps)
    x = marks[X]
    assert x.value == "1"
    assert (x.evidence["products"], x.evidence["vendors"], x.evidence["passing"]) == (5, 3, 3)
    assert x.evidence["passing_vendors"] == 2 and x.evidence["passing_share"] == 0.6
    assert marks[Y].value == "0" and marks[Y].evidence["passing"] == 2  # p1, p5
    # no cpid, product or vendor anywhere in the evidence
    text = json.dumps([m.to_dict() for m in marks.values()])
    assert not any(f'"{name}"' in text for name in ("a", "b", "c", "p1", "p2", "cloud-p1-1"))
    assert deployment.deployed(db_session, caps, share=0.7)[X].value == "0"


def test_an_anonymous_cpid_flood_changes_no_criterion(db_session, caps, guidelines) -> None:  # type: ignore[no-untyped-def]
    five_products(db_session, caps)
    before = {k: m.value for k, m in deployment.deployed(db_session, caps).items()}
    for i in range(12):  # invented clouds, all failing X and passing Y
        store(
            db_session,
            f"junk-{i}",
            results_of(caps[X], Outcome.FAIL) + results_of(caps[Y]),
            minutes=10 + i,
        )
    after = deployment.deployed(db_session, caps)
    assert {k: m.value for k, m in after.items()} == before
    assert after[X].evidence["products"] == 5 and "unverified" not in after[X].evidence
    # shown apart: how many clouds, never read, never counted
    body = scoring.suggest(db_session, guidelines["2020.06"], guidelines)
    assert body["evidence"]["unverified_clouds"] == 12


def test_fewer_than_k_vendors_hide_the_aggregate(db_session, caps, guidelines) -> None:  # type: ignore[no-untyped-def]
    verified(db_session, "a", "p1", results_of(caps[X]), minutes=1)
    verified(db_session, "a", "p2", results_of(caps[X]), minutes=2)
    verified(db_session, "b", "p3", results_of(caps[X]), minutes=3)  # 3 products, 2 vendors
    marks = deployment.deployed(db_session, caps)
    assert marks[X].value == "?" and "passing" not in marks[X].evidence
    assert "products" not in marks[X].evidence
    assert marks[X].evidence["reason"] == "fewer than 3 vendors stand behind verified results"
    body = scoring.suggest(db_session, guidelines["2020.06"], guidelines)
    assert body["evidence"]["products"] is None
    assert body["evidence"]["vendors"] == "fewer than 3"
    verified(db_session, "c", "p4", results_of(caps[X]), minutes=4)
    assert deployment.deployed(db_session, caps)[X].value == "1"
    assert deployment.deployed(db_session, caps, k=4)[X].value == "?"


def test_only_verified_runs_of_a_product_count(db_session, caps, guidelines) -> None:  # type: ignore[no-untyped-def]
    five_products(db_session, caps)
    # a newer verified run replaces the older: p1 now fails X
    verified(db_session, "a", "p1", results_of(caps[X], Outcome.FAIL), minutes=10)
    assert deployment.deployed(db_session, caps)[X].evidence["passing"] == 2
    # ... a newer unverified run of the product does not
    user = accounts.create_user(db_session, "deploy-owner")
    actor = accounts.actor_for(db_session, user)
    run = store(db_session, "p2-cloud", results_of(caps[X], Outcome.FAIL), minutes=11, owner=user)
    runs_edit.set_meta(db_session, actor, run.id, "shared", "true", guidelines=guidelines)
    assert deployment.deployed(db_session, caps)[X].evidence["passing"] == 2


def test_runs_older_than_the_window_do_not_count(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_products(db_session, caps)
    old = db_session.query(Run).filter(Run.verification_status == 1).all()
    for r in old[:3]:
        r.created_at = utcnow() - deployment.WINDOW - timedelta(days=1)
    db_session.commit()
    x = deployment.deployed(db_session, caps)[X]
    assert x.value == "?"  # 2 products of one vendor left


def test_records_hold_only_the_tests_asked_about(db_session, caps) -> None:  # type: ignore[no-untyped-def]
    five_products(db_session, caps)
    records = {r.passed for r in deployment.run_records(db_session, {X: caps[X]})}
    seen = set().union(*records)
    assert {t.uuid for t in caps[X].tests} <= seen
    # Y's tests and the unrelated test are never loaded; p3's renamed tests come
    # with their idempotent id, which is what matched
    assert not seen & {s for t in caps[Y].tests for s in (*t.names, t.uuid)}
    assert "tempest.api.unrelated.Test.test_other" not in seen
    assert {s for s in seen if s.endswith("_renamed")} == {
        t.name + "_renamed" for t in caps[X].tests
    }
    assert frozenset() in records  # p5 ran none of X's tests
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
    from sqlalchemy import delete

    from refcore.storage.models import UsageDeclarationRow

    # the session's database is shared: declarations other tests stored (the API tests'
    # uploads) go, inside this test's rolled-back transaction
    db_session.execute(delete(UsageDeclarationRow))
    five_products(db_session, caps)
    owner = accounts.actor_for(db_session, accounts.create_user(db_session, "suggest-owner"))
    usage.store(db_session, owner, json.dumps(DECL))
    body = scoring.suggest(db_session, guidelines["2020.06"], guidelines)
    assert body["criteria"] == ["deployed", "tools", "clients", "stable", "sticky"]
    assert body["evidence"] == {
        "products": 5,
        "vendors": 3,
        "unverified_clouds": 0,
        "window_days": 730,
        "k": 3,
        "share": 0.5,
        "declarations": {"client": 1, "tool": 0},
    }
    x = next(c for c in body["capabilities"] if c["capability"] == X)
    assert x["computed"]["deployed"]["value"] == "1"
    assert x["computed"]["clients"]["evidence"]["used_by"] == ["mist"]
    assert x["computed"]["tools"]["value"] == "?"
    # unknown stays unknown: one client's declaration says nothing of what it does not use
    other = next(c for c in body["capabilities"] if c["capability"] not in (X, Y))
    assert other["computed"]["clients"]["value"] == "?"
    # recorded achievements of 2020.06's X, and the flagged differences
    recorded = set(guidelines["2020.06"].capabilities[X].achievements)
    for key in ("deployed", "clients"):
        assert (key in x["differences"]) == (key not in recorded)
    with pytest.raises(ScoringError, match="below 3"):
        scoring.suggest(db_session, guidelines["2020.06"], guidelines, k=2)


# -- must-pass candidates mined from verified results ------------------------------------
def _outside_guidelines(guidelines, samples_dir, module: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(name, uuid) of real Tempest 47 tests of ``module`` that no guideline names."""
    from refcore.core.runs import split_test_id

    known = {
        n
        for g in guidelines.values()
        for c in g.capabilities.values()
        for t in c.tests
        for n in t.names
    }
    out = []
    for line in (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text().splitlines():
        name, _attrs, uuid = split_test_id(line.strip())
        if name.startswith(module + ".") and name not in known:
            out.append((name, uuid or ""))
    return out


def test_candidates_are_tests_outside_every_guideline_passing_in_k_vendors(
    db_session, guidelines, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    from refcore.services.candidates import candidates

    g = guidelines["2020.06"]
    joining = _outside_guidelines(
        guidelines, samples_dir, "tempest.api.compute.servers.test_servers"
    )[:2]
    new = _outside_guidelines(
        guidelines, samples_dir, "tempest.api.compute.servers.test_server_tags"
    )[:1]
    assert joining and new, "Tempest 47 has such tests"
    known = [(t.name, t.uuid or "", Outcome.PASS) for t in g.capabilities[X].tests]
    plus = [(n, u, Outcome.PASS) for n, u in joining + new]
    verified(db_session, "a", "p1", known + plus, minutes=1)
    verified(db_session, "b", "p2", known + plus, minutes=2)
    # two vendors only: nothing is shown
    body = candidates(db_session, g, guidelines)
    assert body["tests"] == [] and body["vendors"] == "fewer than 3"
    verified(db_session, "c", "p3", known + plus[:1], minutes=3)  # the third passes one test
    for i in range(5):  # anonymous clouds passing everything count for nothing
        store(db_session, f"junk-{i}", known + plus, minutes=10 + i)
    body = candidates(db_session, g, guidelines)
    # (every stored run here also passes the helper's unrelated test: a candidate too)
    unrelated = "tempest.api.unrelated.Test.test_other"
    assert sorted(c["test"] for c in body["tests"]) == sorted([joining[0][0], unrelated])
    found = next(c for c in body["tests"] if c["test"] == joining[0][0])
    other = next(c for c in body["tests"] if c["test"] == unrelated)
    assert (other["capability"], other["group"]) == (None, "unrelated")
    assert (found["products"], found["vendors"], found["uuid"]) == (3, 3, joining[0][1])
    owner = {
        c.name
        for c in g.capabilities.values()
        for t in c.tests
        if t.name.startswith("tempest.api.compute.servers.test_servers.")
    }
    assert found["capability"] in owner  # joins a capability whose tests share its module
    assert not any(t in json.dumps(body) for t in ("p1", "p2", "p3", '"a"', "junk-"))
    # the known guideline tests are never candidates; a required test is not "outside"
    assert all(c["test"] not in {t.name for t in g.capabilities[X].tests} for c in body["tests"])
    # advisory capabilities close to the cut-off come with their totals
    assert all(r["total"] >= body["cutoff"] - 10 for r in body["advisory_near_cutoff"])
    assert candidates(db_session, g, guidelines, k=4)["tests"] == []


def test_the_working_group_drafts_with_the_candidates_as_advisory(
    db_session, guidelines, samples_dir, interop_dir, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The candidate report from stored runs -> ``refcore guidelines draft --candidates``:
    a test joining a required capability goes to a new advisory ``<cap>-candidates``, a
    test of a new module to a new advisory capability, a test of no known service is
    named as not added; the draft still validates against the 2.0 schema."""
    import click
    from click.testing import CliRunner

    from refcore.cli import main
    from refcore.services.candidates import candidates

    @click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
    @click.argument("argv", nargs=-1, type=click.UNPROCESSED)
    def entry(argv: tuple[str, ...]) -> None:  # the console script: one-line errors, exit 2
        main(list(argv))

    g = guidelines["2020.06"]
    joining = _outside_guidelines(
        guidelines, samples_dir, "tempest.api.compute.servers.test_servers"
    )[:1]
    new = _outside_guidelines(
        guidelines, samples_dir, "tempest.api.compute.servers.test_server_tags"
    )[:2]  # two tests of one new module: one new capability holds both
    plus = [(n, u, Outcome.PASS) for n, u in joining + new]
    for i, vendor in enumerate("abc"):
        verified(db_session, vendor, f"p{i}", plus, minutes=i)
    body = candidates(db_session, g, guidelines)
    assert sorted(c["test"] for c in body["tests"]) == sorted(
        [joining[0][0], *(n for n, _ in new), "tempest.api.unrelated.Test.test_other"]
    )
    report = tmp_path / "candidates.json"
    report.write_text(json.dumps({"ok": True, "data": body}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFCORE_GUIDELINES", str(interop_dir))
    sheet = str(interop_dir / "working_materials" / "scoring.txt")
    args = ["guidelines", "draft", "--from", "2020.06", "--scores", sheet, "--id", "2021.01"]
    result = CliRunner().invoke(entry, [*args, "--candidates", str(report), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["draft"]["issues"] == []  # still valid against 2.0.json
    doc = json.loads((tmp_path / "2021.01.json").read_text())
    listed = {
        name: status
        for comp in doc["components"].values()
        for status, names in comp["capabilities"].items()
        for name in names
    }
    joined = next(c for c in body["tests"] if c["test"] == joining[0][0])["capability"]
    assert listed[joined] == "required"  # so the test does not join it ...
    assert joining[0][0] in doc["capabilities"][f"{joined}-candidates"]["tests"]
    assert listed[f"{joined}-candidates"] == "advisory"  # ... but an advisory sibling
    tags = "compute-servers-server-tags"
    assert set(doc["capabilities"][tags]["tests"]) == {n for n, _ in new}
    assert listed[tags] == "advisory" and f"{tags}-candidates" not in doc["capabilities"]
    assert doc["capabilities"][tags]["project"] == doc["capabilities"][joined]["project"]
    assert "tempest.api.unrelated.Test.test_other" in out["candidates"]["skipped"]
    assert sorted(out["candidates"]["created"]) == sorted([f"{joined}-candidates", tags])
    reasons = [c["reason"] for c in doc["metadata"]["changes"] if c["change"] == "add test"]
    assert len(reasons) == 3 and all("must-pass candidate" in r for r in reasons)
    # a file that is not a candidate report: one line, exit 2, no draft written
    (tmp_path / "2021.01.json").unlink()
    report.write_text('{"tests": 3}')
    result = CliRunner().invoke(entry, [*args, "--candidates", str(report)])
    assert result.exit_code == 2 and "not a candidate report" in result.output
    assert not (tmp_path / "2021.01.json").exists()
