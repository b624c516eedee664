"""Criteria computed from evidence: constructed histories and the real 2015.03-2020.06 series."""

from __future__ import annotations

import json

import pytest

from refcore.core.evidence import (
    RunRecord,
    deployed_marks,
    guideline_statuses,
    history_before,
    stable_mark,
    sticky_mark,
    suggest_marks,
    usage_marks,
)
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.core.parsing import parse_guideline
from refcore.core.usage import loads_usage, parse_usage, usage_schema
from refcore.errors import ScoringError

U1, U2, U3 = (f"{i}" * 8 + "-0000-4000-8000-" + "0" * 12 for i in (1, 2, 3))


def make(
    gid: str, statuses: dict[str, str], tests: dict[str, list[str]] | None = None
) -> Guideline:
    """A minimal 2.0 guideline: one component, capabilities by status."""
    tests = tests or {}
    caps = {
        name: {
            "achievements": [],
            "admin": False,
            "description": name,
            "project": "nova",
            "tests": {t: {"idempotent_id": f"id-{u}"} for t, u in tests.get(name, [])}
            if name in tests
            else {f"tempest.{name}.test_a": {"idempotent_id": f"id-{U1}"}},
        }
        for name in statuses
    }
    by_status: dict[str, list[str]] = {
        s: [] for s in ("required", "advisory", "deprecated", "removed")
    }
    for name, status in statuses.items():
        by_status[status].append(name)
    doc = {
        "metadata": {"id": gid, "schema": "2.0", "reference": "", "source": ""},
        "platforms": {
            "OpenStack Powered Compute": {"components": [{"name": "os_powered_compute"}]}
        },
        "components": {"os_powered_compute": {"capabilities": by_status}},
        "capabilities": caps,
    }
    return parse_guideline(doc, file=f"{gid}.json")


def test_sticky_on_constructed_history() -> None:
    prev = make("2030.01", {"a": "required", "b": "advisory"})
    assert sticky_mark("a", prev).value == "1"
    b = sticky_mark("b", prev)
    assert (b.value, b.evidence) == ("0", {"previous": "2030.01", "status": "advisory"})
    assert sticky_mark("c", prev).evidence["status"] is None
    assert sticky_mark("a", None).value == "0"


def test_stable_needs_two_unchanged_guidelines() -> None:
    h = [
        make("2030.01", {"a": "advisory", "b": "required"}),
        make("2030.06", {"a": "required", "b": "required", "c": "advisory"}),
        make("2031.01", {"a": "required", "b": "required", "c": "advisory"}),
    ]
    a = stable_mark("a", h)
    assert a.value == "1"
    assert a.evidence["unchanged_in"] == ["2030.06", "2031.01"]
    assert a.evidence["changed"] == "advisory in 2030.01, required in 2030.06"
    assert stable_mark("b", h).evidence["unchanged_in"] == ["2030.01", "2030.06", "2031.01"]
    assert stable_mark("c", h).evidence["changed"] == "absent from 2030.01"
    assert stable_mark("a", h, minimum=3).value == "0"
    assert stable_mark("a", h[-1:]).value == "0"
    assert stable_mark("a", []).value == "0"


def test_stable_compares_tests_by_idempotent_id() -> None:
    renamed = [
        make("2030.01", {"a": "required"}, {"a": [("tempest.old_name", U1)]}),
        make("2030.06", {"a": "required"}, {"a": [("tempest.new_name", U1)]}),
    ]
    assert stable_mark("a", renamed).value == "1"  # a rename is not a change
    grown = [*renamed, make("2031.01", {"a": "required"}, {"a": [("t.x", U1), ("t.y", U2)]})]
    mark = stable_mark("a", grown)
    assert mark.value == "0"
    assert mark.evidence["changed"] == "tests changed after 2030.06 (+1 -0)"


def _record(cpid: str, ts: int, *passed: str) -> RunRecord:
    """A verified product's run: the cloud is the product, each of its own vendor."""
    return RunRecord(cpid, ts, frozenset(passed), product=cpid, vendor=cpid)


def _anonymous(cpid: str, ts: int, *passed: str) -> RunRecord:
    return RunRecord(cpid, ts, frozenset(passed))


def test_deployed_counts_latest_run_per_product_and_hides_small_samples() -> None:
    g = make(
        "2030.01",
        {"a": "required", "b": "required"},
        {
            "a": [("tempest.a.test_1", U1)],
            "b": [("tempest.b.test_1", U2), ("tempest.b.test_2", U3)],
        },
    )
    runs = [
        _record("cloud-1", 1, "tempest.a.test_1"),
        _record("cloud-1", 2, "tempest.b.test_1", "tempest.b.test_2"),  # latest: a no longer passes
        _record("cloud-2", 1, "tempest.a.test_1", "tempest.b.test_1"),
        _record("cloud-3", 5, U1, f"id-{U2}", U3),  # by idempotent id, either spelling
    ]
    marks = deployed_marks(g.capabilities, runs, k=3)
    assert marks["a"].value == "1"  # cloud-2 and cloud-3: 2/3
    assert marks["a"].evidence["passing"] == 2 and marks["a"].evidence["products"] == 3
    assert marks["b"].value == "1"  # cloud-1 and cloud-3
    assert deployed_marks(g.capabilities, runs, k=3, share=0.7)["a"].value == "0"
    few = deployed_marks(g.capabilities, runs[:3], k=3)
    assert few["a"].value == "?"
    assert few["a"].evidence["reason"] == "fewer than 3 vendors stand behind verified results"
    assert "cloud-1" not in json.dumps({k: m.to_dict() for k, m in marks.items()})


def test_unverified_runs_are_counted_apart_and_never_move_a_mark() -> None:
    g = make("2030.01", {"a": "required"}, {"a": [("tempest.a.test_1", U1)]})
    products = [_record(f"p{i}", 1, "tempest.a.test_1" if i < 1 else "x") for i in range(4)]
    base = deployed_marks(g.capabilities, products)["a"]
    assert base.value == "0"  # 1 of 4 products passes
    flood = [_anonymous(f"junk-{i}", 2, "tempest.a.test_1") for i in range(40)]
    flooded = deployed_marks(g.capabilities, products + flood)["a"]
    assert flooded.value == base.value
    assert flooded.evidence["unverified"] == {"clouds": 40, "passing": 40, "counted": False}
    assert deployed_marks(g.capabilities, flood)["a"].value == "?"


def test_deployed_ignores_flagged_tests(guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    cap = g.capabilities["compute-servers-list"]
    must = [t.name for t in cap.tests if not t.flagged]
    assert (len(must), len(cap.tests)) == (24, 26)  # two flagged tests
    runs = [_record(f"c{i}", 0, *must) for i in range(3)]
    assert deployed_marks({cap.name: cap}, runs)[cap.name].value == "1"
    runs = [_record(f"c{i}", 0, *must[1:]) for i in range(3)]
    assert deployed_marks({cap.name: cap}, runs)[cap.name].value == "0"
    # every test of compute-servers-resize is flagged: then all of them are judged
    resize = g.capabilities["compute-servers-resize"]
    assert all(t.flagged for t in resize.tests)
    runs = [_record(f"c{i}", 0, *(t.name for t in resize.tests)) for i in range(3)]
    assert deployed_marks({resize.name: resize}, runs)[resize.name].value == "1"
    assert deployed_marks({resize.name: resize}, runs[:1] * 3)[resize.name].value == "?"


MIST = """
name: mist
kind: client
url: https://example.org/mist
capabilities: [compute-servers-create, objectstore-object-get, made-up-capability]
api_calls:
  - {service: compute, method: post, path: /servers, capability: compute-servers-list}
  - {service: image, method: GET, path: /v2/images}
"""


def test_usage_declarations_parse_and_count() -> None:
    mist = loads_usage(MIST, source="mist.yaml")
    assert mist.uses() == {
        "compute-servers-create",
        "objectstore-object-get",
        "made-up-capability",
        "compute-servers-list",
    }
    assert [str(c) for c in mist.unmapped_calls] == ["image GET /v2/images"]
    assert mist.api_calls[0].method == "POST"
    tool = parse_usage(
        {"name": "terraform", "kind": "tool", "capabilities": ["compute-servers-create"]}
    )
    marks = usage_marks(["compute-servers-create", "compute-servers-list", "x"], [mist, tool])
    assert marks["compute-servers-create"]["clients"].value == "1"
    assert marks["compute-servers-create"]["tools"].evidence["used_by"] == ["terraform"]
    # unknown stays unknown: one declaration of a kind says nothing of what it does not use
    assert marks["compute-servers-list"]["tools"].value == "?"
    assert marks["x"]["clients"].value == "?"
    only_clients = usage_marks(["x"], [mist])
    assert only_clients["x"]["tools"].value == "?"  # no tool declared anything
    # k declarations of a kind, none using it: then it is 0
    clients = [
        parse_usage({"name": f"c{i}", "kind": "client", "capabilities": ["y"]}) for i in range(3)
    ]
    assert usage_marks(["x"], clients)["x"]["clients"].value == "0"
    assert usage_marks(["x"], clients, k=4)["x"]["clients"].value == "?"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"name": "x", "kind": "sdk", "capabilities": []}, "/kind"),
        ({"name": "x", "kind": "client"}, "is not valid under any"),
        ({"name": "x", "kind": "client", "api_calls": [{"method": "GET"}]}, "'path' is a required"),
        ([], "is not of type 'object'"),
    ],
)
def test_invalid_declarations(doc, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScoringError, match=message):
        parse_usage(doc, source="d.json")
    assert usage_schema()["properties"]["kind"]["enum"] == ["client", "tool"]


def test_yaml_errors_are_scoring_errors() -> None:
    with pytest.raises(ScoringError, match="bad.yaml: not YAML"):
        loads_usage("name: [unclosed", source="bad.yaml")


# -- the real series --------------------------------------------------------------------
def test_history_of_the_real_series(guidelines: GuidelineSet) -> None:
    ids = [g.id for g in history_before(guidelines["2020.06"], guidelines)]
    assert ids[0] == "2015.03" and ids[-1] == "2019.11" and len(ids) == 12
    assert history_before(guidelines["next"], guidelines)[-1].id == "2020.06"
    assert history_before(guidelines["2015.03"], guidelines) == []
    assert [g.id for g in history_before(guidelines["dns.2020.06"], guidelines)][
        -1
    ] == "dns.2019.11"


def test_sticky_and_stable_for_2020_06(guidelines: GuidelineSet) -> None:
    s = suggest_marks(guidelines["2020.06"], guidelines)
    assert s.criteria == ["stable", "sticky"]
    not_sticky = [c.name for c in s.capabilities if c.marks["sticky"].value != "1"]
    # every capability of 2020.06 was required in 2019.11 except images-v2-import,
    # which is defined but listed in no component (spec §7)
    assert len(s.capabilities) == 79 and not_sticky == ["images-v2-import"]
    assert "images-v2-import" not in guideline_statuses(guidelines["2019.11"])
    unstable = [c.name for c in s.capabilities if c.marks["stable"].value != "1"]
    assert unstable == ["images-v2-import"]
    create = s.capability("compute-servers-create").marks["stable"].evidence
    assert create["unchanged_in"][0] == "2015.07" and create["unchanged_in"][-1] == "2019.11"
    # recorded achievements are stale: 45 capabilities required in 2019.11 do not list sticky
    stale = [c.name for c in s.capabilities if "sticky" in c.differences]
    assert len(stale) == 45 and "compute-list-api-versions" in stale
    assert guideline_statuses(guidelines["2019.11"])["compute-list-api-versions"] == "required"
    assert (
        "sticky" not in guidelines["2020.06"].capabilities["compute-list-api-versions"].achievements
    )
    # the volumes-v3 capabilities were unchanged since 2019.06 but are not recorded stable
    v3 = s.capability("volumes-v3-create-delete")
    assert v3.differences == ["stable", "sticky"] and v3.marks["stable"].value == "1"


def test_advisory_in_2016_01_is_neither_sticky_nor_stable_in_2016_08(
    guidelines: GuidelineSet,
) -> None:
    s = suggest_marks(guidelines["2016.08"], guidelines)
    for name in ("compute-list-api-versions", "networks-l3-CRUD"):
        c = s.capability(name)
        assert c.marks["sticky"].evidence == {"previous": "2016.01", "status": "advisory"}
        assert c.marks["stable"].evidence["unchanged_in"] == ["2016.01"]
        assert c.marks["stable"].value == "0"
    # required since 2015.07 and untouched: stable and sticky
    c = s.capability("compute-servers-create")
    assert (c.marks["sticky"].value, c.marks["stable"].value) == ("1", "1")


def test_suggest_with_runs_and_usage(guidelines: GuidelineSet) -> None:
    g = guidelines["2020.06"]
    cap = g.capabilities["identity-v3-tokens-create"]
    passed = [t.name for t in cap.tests]
    runs = [_record(f"c{i}", 0, *passed) for i in range(4)]
    mist = loads_usage(MIST)
    s = suggest_marks(g, guidelines, runs=runs, usage=[mist])
    assert s.criteria == ["deployed", "tools", "clients", "stable", "sticky"]
    assert s.capability("identity-v3-tokens-create").marks["deployed"].value == "1"
    assert s.capability("compute-servers-create").marks["deployed"].value == "0"
    assert s.capability("compute-servers-create").marks["clients"].value == "1"
    assert s.capability("compute-servers-create").marks["tools"].value == "?"
    assert any("made-up-capability" in n for n in s.notes)
    assert any("1 API calls name no capability" in n for n in s.notes)
    json.dumps(s.to_dict())
