"""The seed's three advisory cases ("How DefCore is going to change your world"),
shipped as profiles in examples/advisory-cases/, decide as the seed says.

Guideline "havana" = legacy/havanacore.json + havanasections.json. The Havana
matrix is *advisory* (status in the file), so the seed's requirements are judged
with ``enforce_advisory`` ("it will be a binding part of the trademark license
agreement by the Juno release"); the non-binding reading is checked too.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from refcore.core.verdicts import Outcome, Severity, Verdict, VerdictOptions, decide_verdict
from refcore.readers.profiles import read_evidence, read_profile

CASES = Path(__file__).resolve().parents[2] / "examples" / "advisory-cases"
BINDING = VerdictOptions(enforce_advisory=True)
SWIFT_DESIGNATED = [
    "proxy server", "object server", "container server", "account server", "catch_errors",
    "healthcheck", "bulk", "slo", "container-quotas", "account-quotas", "tempurl",
]  # fmt: skip


def judge(guidelines, name: str, options: VerdictOptions = BINDING) -> Verdict:
    profile = read_profile(CASES / f"{name}.yaml")
    run = None if profile.is_client else read_evidence(profile)
    return decide_verdict(profile, guidelines["havana"], run, options=options)


def refusals(v: Verdict) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in v.program("platform").of(Severity.REFUSAL):
        out.setdefault(r.code, []).append(r)
    return out


def test_evidence_files_are_what_the_script_writes(tmp_path, interop_dir) -> None:
    spec = importlib.util.spec_from_file_location("make_evidence", CASES / "make_evidence.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.write(interop_dir, tmp_path)
    assert [p.name for p in written] == [
        "bananacloud.passed",
        "sprocket-before.passed",
        "sprocket-after.passed",
    ]
    for path in written:
        assert path.read_text() == (CASES / "evidence" / path.name).read_text(), path.name


def test_bananacloud_is_allowed(guidelines) -> None:
    v = judge(guidelines, "bananacloud")
    assert v.outcome is Outcome.ALLOWED and v.exit_code == 0
    pv = v.program("platform")
    assert pv.of(Severity.REFUSAL) == [] and pv.of(Severity.WARNING) == []
    assert (
        pv.summary is not None
        and pv.summary["nonFlagPassCount"] == pv.summary["totalNonFlagCount"] == 161
    )
    infos = {
        (r.code, r.data.get("project") or r.data.get("section")): r for r in pv.of(Severity.INFO)
    }
    # the custom Nova scheduler replaces a section that is not designated
    assert ("section_not_designated", "nova") in infos
    assert infos[("section_not_designated", "nova")].data["section"] == "scheduler driver"
    # Keystone replaced by a compatible service: no must-pass Keystone capability and
    # no Keystone sections in Havana; Horizon absent, Trove and Marconi on top: no impact
    for project, deployed in (
        ("keystone", False),
        ("horizon", False),
        ("trove", True),
        ("marconi", True),
    ):
        r = infos[("project_not_binding", project)]
        assert r.data["deployed"] is deployed
    # and the same holds when Havana is read as what it is: advisory
    soft = judge(guidelines, "bananacloud", VerdictOptions())
    assert soft.outcome is Outcome.ALLOWED and soft.program("platform").codes(Severity.WARNING) == [
        "guideline_not_binding"
    ]


def test_sprocket_before_key_store_is_refused(guidelines) -> None:
    # the seed's "key-store" is Havana's compute-keypairs (see docs/verdicts.md);
    # Swift 0 % designated (the seed's illustration) leaves the key store as the only issue
    v = judge(
        guidelines,
        "sprocket-before",
        VerdictOptions(enforce_advisory=True, assume={"swift": "none"}),
    )
    assert v.outcome is Outcome.REFUSED and v.exit_code == 1
    (cap,) = refusals(v).pop("capability_not_met")
    assert refusals(v).keys() == {"capability_not_met"}
    assert cap.data["capability"] == "compute-keypairs" and cap.data["project"] == "nova"
    assert [t["name"] for t in cap.data["tests"]] == [
        "tempest.api.compute.servers.test_servers.ServersTestJSON.test_create_specify_keypair",
        "tempest.api.compute.test_authorization.AuthorizationTestJSON.test_create_keypair_in_analt_user_tenant",
        "tempest.api.compute.test_authorization.AuthorizationTestJSON.test_get_keypair_of_alt_account_fails",
    ]
    assert {t["state"] for t in cap.data["tests"]} == {"not_run"}
    # advisory Havana: no commercial impact yet, the same finding is a warning
    soft = judge(guidelines, "sprocket-before", VerdictOptions(assume={"swift": "none"}))
    assert soft.outcome is Outcome.ALLOWED
    assert "capability_not_met" in soft.program("platform").codes(Severity.WARNING)


def test_sprocket_after_key_store_swift_zero_percent_designated_is_allowed(guidelines) -> None:
    v = judge(
        guidelines,
        "sprocket-after",
        VerdictOptions(enforce_advisory=True, assume={"swift": "none"}),
    )
    assert v.outcome is Outcome.ALLOWED
    pv = v.program("platform")
    assert pv.summary is not None and pv.summary["meets"] is True
    # Heat is used but has no required capabilities: no influence on the mark
    heat = [
        r for r in pv.reasons if r.code == "project_not_binding" and r.data["project"] == "heat"
    ]
    assert heat and heat[0].data["deployed"] is True


def test_sprocket_swift_hundred_percent_designated_is_refused(guidelines) -> None:
    for case in ("sprocket-after", "sprocket-adapted"):
        v = judge(guidelines, case, VerdictOptions(enforce_advisory=True, assume={"swift": "all"}))
        assert v.outcome is Outcome.REFUSED, case
        (missing,) = refusals(v)["designated_sections_missing"]
        assert missing.data["project"] == "swift"
    # with its own store, every one of Swift's 28 sections is missing
    v = judge(
        guidelines, "sprocket-after", VerdictOptions(enforce_advisory=True, assume={"swift": "all"})
    )
    assert len(refusals(v)["designated_sections_missing"][0].data["sections"]) == 28


def test_sprocket_swift_partly_designated_needs_the_designated_parts(guidelines) -> None:
    # the published Havana designation is the "partly designated" outcome
    own_store = judge(guidelines, "sprocket-after")
    assert own_store.outcome is Outcome.REFUSED
    (missing,) = refusals(own_store)["designated_sections_missing"]
    assert [s["section"] for s in missing.data["sections"]] == SWIFT_DESIGNATED
    assert {s["state"] for s in missing.data["sections"]} == {"absent"}
    assert set(refusals(own_store)) == {"designated_sections_missing"}
    adapted = judge(guidelines, "sprocket-adapted")
    assert adapted.outcome is Outcome.ALLOWED
    replaced = [
        r.data["section"]
        for r in adapted.program("platform").reasons
        if r.code == "section_not_designated"
    ]
    assert "diskfile" in replaced


def test_mist_is_not_applicable_and_maps_its_usage(guidelines) -> None:
    v = judge(guidelines, "mist")
    assert v.outcome is Outcome.NOT_APPLICABLE and v.exit_code == 0
    assert v.program("platform").codes() == ["defcore_not_applicable"]
    by = {}
    for u in v.usage:
        by.setdefault(u.category, []).append(u.capability or u.calls[0])
    assert by == {
        "must-pass": [
            "compute-keypairs",
            "compute-servers",
            "compute-images",
            "images-v1",
            "objectstore-object",
        ],
        "candidate": ["objectstore-container-acl", "networks-floating-ips", "orch-stacks"],
        "untested": [
            "compute-flavors",
            "networks-l2",
            "compute POST /os-volumes_boot",
            "identity POST /v2.0/tokens",
        ],
    }
    assert [r.code for r in v.reasons] == [
        "defcore_not_applicable",
        "usage_must_pass",
        "usage_candidates",
        "usage_untested",
    ]


def test_mist_usage_is_the_scoring_engines_declaration(guidelines) -> None:
    from refcore.core.evidence import usage_marks
    from refcore.core.usage import loads_usage

    declaration = loads_usage((CASES / "mist.usage.yaml").read_text(), source="mist.usage.yaml")
    profile = read_profile(CASES / "mist.yaml")
    assert profile.usage is not None
    assert (profile.usage.name, profile.usage.kind) == ("mist", "client")
    assert profile.usage.capabilities == declaration.capabilities
    assert profile.usage.api_calls == declaration.api_calls
    marks = usage_marks(["compute-keypairs", "volume"], [declaration])
    assert marks["compute-keypairs"]["clients"].value == "1"
    # one client's declaration cannot say "no client uses volume": unknown until k of them exist
    assert marks["volume"]["clients"].value == "?"
    others = [
        dataclasses.replace(declaration, name=f"client-{i}", capabilities=("compute-keypairs",))
        for i in range(2)
    ]
    marks = usage_marks(["compute-keypairs", "volume"], [declaration, *others])
    assert marks["volume"]["clients"].value == "0"
    assert marks["volume"]["clients"].evidence["declarations"] == 3


@pytest.mark.parametrize(
    "name", ["bananacloud", "sprocket-before", "sprocket-after", "sprocket-adapted", "mist"]
)
def test_every_reason_is_specific(guidelines, name: str) -> None:
    v = judge(guidelines, name)
    for pv in v.programs:
        for r in pv.reasons:
            if r.code in ("capability_not_met",):
                assert r.data["capability"] in r.message and r.data["tests"]
            if r.code == "designated_sections_missing":
                assert all(s["section"] in r.message for s in r.data["sections"])
            if r.code.startswith(("project_", "section_")):
                assert r.data["project"] in r.message
