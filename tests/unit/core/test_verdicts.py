"""The verdict engine on the real guidelines, with runs built from the guideline data."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from refcore.core.guidelines import Guideline
from refcore.core.profiles import Profile
from refcore.core.runs import Outcome, TestResult, TestRun
from refcore.core.tc_rules import Policy
from refcore.core.usage import parse_usage
from refcore.core.verdicts import Outcome as V
from refcore.core.verdicts import Severity, VerdictOptions, decide_verdict


def passing_run(g: Guideline, target: str, *, fail: set[str] = frozenset()) -> TestRun:
    """Every test of the target passes, except those of the capabilities in ``fail``."""
    results = []
    for cap, test in g.tests(target):
        outcome = Outcome.FAIL if cap.name in fail else Outcome.PASS
        results.append(TestResult(test.name, outcome, test.uuid))
    return TestRun.from_results(results)


def profile(**over: Any) -> Profile:
    data: dict[str, Any] = {
        "vendor": "ACME",
        "product": "ACME Cloud",
        "kind": "public-cloud",
        "release": "ussuri",
        "programs": ["platform"],
        "obligations": {"foundation_member": True, "trademark_agreement": True},
    }
    data.update(over)
    return Profile.from_dict(data)


def codes(v, severity: Severity | None = None) -> list[str]:
    return [c for p in v.programs for c in p.codes(severity)]


def test_upstream_cloud_passing_everything_is_allowed(guidelines) -> None:
    g = guidelines["2020.06"]
    v = decide_verdict(profile(), g, passing_run(g, "platform"))
    assert v.binding and v.outcome is V.ALLOWED and v.exit_code == 0
    pv = v.program("platform")
    assert pv.of(Severity.REFUSAL) == [] and pv.of(Severity.WARNING) == []
    assert pv.summary is not None and pv.summary["meets"] is True
    json.dumps(v.to_dict())  # JSON-able for the API


def test_failed_capability_names_the_tests(guidelines) -> None:
    g = guidelines["2020.06"]
    v = decide_verdict(profile(), g, passing_run(g, "platform", fail={"compute-keypairs-create"}))
    assert v.outcome is V.REFUSED and v.exit_code == 1
    (reason,) = v.program("platform").of(Severity.REFUSAL)
    assert reason.code == "capability_not_met"
    assert reason.data["capability"] == "compute-keypairs-create"
    assert reason.data["project"] == "nova"
    expected = {t.name for t in g.capabilities["compute-keypairs-create"].tests if not t.flagged}
    assert {t["name"] for t in reason.data["tests"]} == expected
    assert {t["state"] for t in reason.data["tests"]} == {"failed"}
    assert "compute-keypairs-create" in reason.message


def test_release_obligations_and_evidence(guidelines) -> None:
    g = guidelines["2020.06"]
    p = profile(release="havana", obligations={"foundation_member": False})
    v = decide_verdict(p, g, None)
    refusals = {r.code: r for r in v.program("platform").of(Severity.REFUSAL)}
    assert set(refusals) == {"release_not_covered", "obligation_unmet", "evidence_missing"}
    assert refusals["release_not_covered"].data == {
        "release": "havana",
        "releases": ["stein", "train", "ussuri", "victoria"],
    }
    unmet = [
        r.data["obligation"]
        for r in v.program("platform").of(Severity.REFUSAL)
        if r.code == "obligation_unmet"
    ]
    assert unmet == ["foundation_member", "trademark_agreement"]


def test_missing_designated_sections_refuse_only_where_they_bind(guidelines) -> None:
    g = guidelines["2020.06"]
    p = profile(
        programs=["platform", "dns"],
        projects={
            "keystone": {
                "deployed": True,
                "sections": {"auth (v3) API": "replaced", "catalog API": "replaced"},
            },
            "heat": {"deployed": False},
        },
    )
    v = decide_verdict(p, g, passing_run(g, "platform"))
    pv = v.program("platform")
    (missing,) = [r for r in pv.reasons if r.code == "designated_sections_missing"]
    assert missing.severity is Severity.REFUSAL
    assert missing.data["sections"] == [
        {"section": "auth (v3) API", "state": "replaced", "declared": True}
    ]
    # catalog API is not designated: own code allowed
    assert any(
        r.code == "section_not_designated" and r.data["section"] == "catalog API"
        for r in pv.reasons
    )
    # heat has no must-pass tests in platform: informational only
    assert any(r.code == "project_not_binding" and r.data["project"] == "heat" for r in pv.reasons)
    # dns is not a program of 2020.06 (it is an add-on guideline)
    assert v.program("dns").outcome is V.NOT_APPLICABLE
    assert v.program("dns").codes() == ["program_not_in_guideline"]


def test_object_program_binds_swift_not_nova(guidelines) -> None:
    g = guidelines["2020.06"]
    p = profile(
        programs=["storage"], projects={"nova": {"deployed": False}, "swift": {"deployed": False}}
    )
    v = decide_verdict(p, g, passing_run(g, "object"))
    pv = v.program("storage")
    assert pv.target == "object" and pv.outcome is V.REFUSED
    (missing,) = pv.of(Severity.REFUSAL)
    assert missing.data["project"] == "swift" and len(missing.data["sections"]) == 11


def test_advisory_guideline_warns_instead_of_refusing(guidelines) -> None:
    g = guidelines["havana"]  # status "advisory"
    p = profile(release="havana", projects={"swift": {"deployed": False}})
    run = passing_run(g, "platform", fail={"compute-keypairs"})
    soft = decide_verdict(p, g, run)
    assert not soft.binding and soft.outcome is V.ALLOWED
    warnings = codes(soft, Severity.WARNING)
    assert warnings[0] == "guideline_not_binding"
    assert {"capability_not_met", "designated_sections_missing"} <= set(warnings)
    assert all(
        r.data.get("would_refuse") for p in soft.programs for r in p.of(Severity.WARNING)[1:]
    )
    hard = decide_verdict(p, g, run, options=VerdictOptions(enforce_advisory=True))
    assert hard.binding and hard.outcome is V.REFUSED
    assert set(codes(hard, Severity.REFUSAL)) == {
        "capability_not_met",
        "designated_sections_missing",
    }


def test_unlisted_sections_and_policy(guidelines) -> None:
    g = guidelines["2020.06"]
    p = profile(
        projects={
            "glance": {
                "deployed": True,
                "sections": {
                    "notifier": "replaced",
                    "image cache": {"state": "replaced", "properties": ["replaceable-by-design"]},
                },
            }
        }
    )
    run = passing_run(g, "platform")
    approved = decide_verdict(p, g, run)
    assert approved.outcome is V.ALLOWED
    infos = {
        r.data["section"]: r
        for r in approved.program("platform").reasons
        if r.code.startswith("unlisted")
    }
    assert infos["notifier"].data["decision"]["rule"]["number"] == 8
    assert infos["image cache"].data["decision"]["rule"]["number"] == 4
    seed = decide_verdict(p, g, run, options=VerdictOptions(policy=Policy.SEED))
    assert seed.outcome is V.REFUSED
    (r,) = seed.program("platform").of(Severity.REFUSAL)
    assert r.code == "unlisted_section_designated" and r.data["section"] == "notifier"
    assert "assumed to be designated" in r.message


def test_project_without_published_sections_follows_the_policy(guidelines) -> None:
    # No real guideline has a binding project without sections (Havana's keystone
    # has none but no must-pass tests either), so take 2015.05, where keystone binds
    # (identity-auth), and drop its published sections: rule 8 then decides.
    real = guidelines["2015.05"]
    g = replace(
        real, designated_sections=[x for x in real.designated_sections if x.project != "keystone"]
    )
    p = profile(release="kilo", projects={"keystone": {"deployed": False}})
    run = passing_run(g, "platform")
    # 2015.05 is superseded: judged as of its time (a new validation is refused)
    assert decide_verdict(p, g, run).outcome is V.REFUSED
    past = VerdictOptions(historical=True)
    approved = decide_verdict(p, g, run, options=past)
    assert approved.outcome is V.ALLOWED
    (info,) = [
        r for r in approved.program("platform").reasons if r.code == "no_designated_sections"
    ]
    assert info.data == {"project": "keystone", "rule": 8, "policy": "approved-text"}
    seed = decide_verdict(p, g, run, options=VerdictOptions(policy=Policy.SEED, historical=True))
    assert seed.outcome is V.REFUSED
    assert codes(seed, Severity.REFUSAL) == ["project_code_assumed_designated"]
    # with the published sections, the designated ones are missing whatever the policy
    published = decide_verdict(p, real, run)
    assert "designated_sections_missing" in codes(published, Severity.REFUSAL)


def test_addon_requires_a_platform_program(guidelines) -> None:
    g = guidelines["dns.2020.06"]
    alone = decide_verdict(profile(programs=["dns"]), g, passing_run(g, "dns"))
    assert alone.outcome is V.ALLOWED
    assert "requires_platform" in codes(alone, Severity.WARNING)
    both = decide_verdict(profile(programs=["platform", "dns"]), g, passing_run(g, "dns"))
    assert "requires_platform" in codes(both, Severity.INFO)
    assert both.program("platform").outcome is V.NOT_APPLICABLE


def test_client_library_is_not_applicable_and_maps_its_usage(guidelines) -> None:
    g = guidelines["2020.06"]
    usage = parse_usage(
        {
            "name": "c",
            "kind": "client",
            "capabilities": ["compute-servers-create", "no-such-capability"],
            "api_calls": [{"method": "GET", "path": "/v2/images"}],
        }
    )
    p = Profile(vendor="C", product="C", kind="client-library", programs=("platform",), usage=usage)
    v = decide_verdict(p, g)
    assert v.outcome is V.NOT_APPLICABLE and v.exit_code == 0 and not v.binding
    assert [(u.capability, u.category, u.why) for u in v.usage] == [
        ("compute-servers-create", "must-pass", None),
        ("no-such-capability", "untested", "not-in-guideline"),
        (None, "untested", "no-capability"),
    ]
    assert v.reasons[0].code == "defcore_not_applicable"


def test_every_real_guideline_gives_a_verdict(guidelines) -> None:
    p = profile(
        programs=["platform", "compute", "object", "dns", "orchestration", "nfv"],
        projects={
            "nova": {"deployed": True, "sections": {"scheduler driver": "replaced"}},
            "swift": {"deployed": False},
        },
    )
    assert len(guidelines) >= 30
    for g in guidelines.values():
        for options in (
            VerdictOptions(),
            VerdictOptions(policy=Policy.SEED, enforce_advisory=True),
        ):
            run = passing_run(g, next(iter(g.targets)))
            v = decide_verdict(p, g, run, options=options)
            assert {pv.program for pv in v.programs} == set(p.programs), g.id
            assert any(pv.outcome is not V.NOT_APPLICABLE for pv in v.programs), g.id
            for pv in v.programs:
                for r in pv.reasons:
                    assert r.code and r.message, (g.id, r)
            json.dumps(v.to_dict())


@pytest.mark.parametrize("gid", ["2015.03", "2017.09", "2020.06", "havana"])
def test_swift_replaced_is_refused_wherever_swift_binds(guidelines, gid: str) -> None:
    g = guidelines[gid]
    p = profile(release=g.releases[0], projects={"swift": {"deployed": False}})
    v = decide_verdict(
        p, g, passing_run(g, "platform"), options=VerdictOptions(enforce_advisory=True)
    )
    missing = [
        r
        for r in v.program("platform").of(Severity.REFUSAL)
        if r.code == "designated_sections_missing"
    ]
    assert [r.data["project"] for r in missing] == ["swift"]
    assert "proxy server" in {s["section"] for s in missing[0].data["sections"]}


def test_only_the_two_latest_approved_guidelines_are_current(guidelines) -> None:
    """2015B/2016A: new validations use one of the two latest approved guidelines."""
    assert guidelines.validation_guidelines(guidelines["2018.11"]) == ("2019.11", "2020.06")
    assert guidelines.validation_guidelines(guidelines["dns.2019.06"]) == (
        "dns.2019.11",
        "dns.2020.06",
    )
    assert guidelines.validation_guidelines(guidelines["havana"]) == ()
    for gid, release in (("2018.11", "queens"), ("2018.02", "ocata"), ("2020.06", "ussuri")):
        g = guidelines[gid]
        opts = VerdictOptions(current=guidelines.validation_guidelines(g))
        v = decide_verdict(profile(release=release), g, passing_run(g, "platform"), options=opts)
        found = {r.code: r for r in v.program("platform").reasons}
        if gid == "2020.06":
            assert "guideline_not_current" not in found and "guideline_superseded" not in found
            continue
        code = "guideline_superseded" if gid == "2018.02" else "guideline_not_current"
        reason = found[code]
        # a new validation cannot use it: refused, and the message says how to judge anyway
        assert reason.severity is Severity.REFUSAL and "(2019.11, 2020.06)" in reason.message
        assert "historical" in reason.message and v.outcome is V.REFUSED
        # asked for a historical judgement, the same run is allowed, with the warning
        past = decide_verdict(
            profile(release=release),
            g,
            passing_run(g, "platform"),
            options=VerdictOptions(current=opts.current, historical=True),
        )
        kept = {r.code: r for r in past.program("platform").reasons}[code]
        assert kept.severity is Severity.WARNING and "judged historically" in kept.message
        assert past.outcome is V.ALLOWED
