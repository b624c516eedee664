"""Guideline diffs, checked by hand against the real files (figures worked out
from the raw JSON with a separate script: uuids normalised, since 2016.01
writes 29 ids as ``id-<uuid>,negative``)."""

from __future__ import annotations

import json

from refcore.core.diff import diff_guidelines
from refcore.core.guidelines import GuidelineSet


def test_2019_11_to_2020_06_changes_no_capability_or_test(guidelines: GuidelineSet) -> None:
    d = diff_guidelines(guidelines["2019.11"], guidelines["2020.06"])
    assert set(d.counts().values()) - {0, 2} == set()
    assert d.counts()["section_changes"] == 2
    assert d.capabilities_added == d.capabilities_removed == []
    assert d.status_changes == [] and d.tests_added == d.tests_removed == d.tests_renamed == []
    assert d.weights == {} and d.cutoff is None
    assert [(s["project"], s["status"], s["change"]) for s in d.sections] == [
        ("ceilometer", "informational", "group removed"),
        ("heat", "informational", "guidance changed"),
    ]
    assert d.sections[1]["to"] == {
        "guidance": "Not a core capability, add-on program is available."
    }
    assert d.metadata["releases"]["added"] == ["victoria"]
    assert d.metadata["releases"]["dropped"] == ["rocky"]
    assert d.metadata["replaces"] == {"from": "2019.06", "to": "2019.11"}
    assert d.metadata["test_repositories.tempest.reference"]["to"].startswith("d43223773d")
    assert not d.empty


def test_2016_01_to_2016_08_by_hand(guidelines: GuidelineSet) -> None:
    d = diff_guidelines(guidelines["2016.01"], guidelines["2016.08"])
    assert sorted(d.capabilities_added) == [
        "images-v2-import",
        "objectstore-account-list",
        "objectstore-account-quotas",
        "objectstore-container-acl",
        "objectstore-container-create",
        "objectstore-container-delete",
        "objectstore-container-list",
        "objectstore-container-quotas",
        "volumes-v2-upload",
    ]
    assert sorted(d.capabilities_removed) == [
        "images-v2-remove",
        "images-v2-share",
        "volumes-v2-copy-volume-to-image",
        "volumes-v2-qos",
        "volumes-v2-transfer",
    ]
    platform = d.transitions("platform")
    assert {k: len(v) for k, v in platform.items()} == {
        ("advisory", "required"): 21,
        ("required", "deprecated"): 9,
        ("deprecated", "removed"): 2,
        ("advisory", None): 5,
        (None, "advisory"): 8,
    }
    assert sorted(platform[("deprecated", "removed")]) == [
        "compute-servers-change",
        "identity-v2-tokens-create",
    ]
    for cap in ("compute-list-api-versions", "identity-v3-api-discovery", "networks-l2-CRUD"):
        assert cap in platform[("advisory", "required")]
    assert "objectstore-object-access" in platform[("required", "deprecated")]
    # images-v2-import is defined in 2016.08 but listed in no component
    assert "images-v2-import" not in platform[(None, "advisory")]
    assert {k: len(v) for k, v in d.transitions("object").items()} == {
        ("deprecated", "removed"): 1,
        ("required", "deprecated"): 1,
        (None, "advisory"): 7,
    }
    c = d.counts()
    assert (c["tests_added"], c["tests_removed"], c["tests_renamed"], c["tests_moved"]) == (
        38,
        38,
        22,
        2,
    )
    assert (c["flags_added"], c["flags_cleared"]) == (9, 0)
    renamed = {t.old_name: t.name for t in d.tests_renamed}
    assert (
        renamed["tempest.api.identity.v3.TestApiDiscovery.test_api_media_types"]
        == "tempest.api.identity.v3.test_api_discovery.TestApiDiscovery.test_api_media_types"
    )
    moved = {t.name.rsplit(".", 1)[1]: (t.old_capabilities, t.capabilities) for t in d.tests_moved}
    assert moved == {
        "test_external_network_visibility": (("networks-l2-CRUD",), ("networks-l3-CRUD",)),
        "test_port_list_filter_by_router_id": (("networks-l2-CRUD",), ("networks-l3-CRUD",)),
    }
    assert d.weights == {
        "atomic": {"from": 8, "to": 6},
        "clients": {"from": 8, "to": 10},
        "foundation": {"from": 8, "to": 9},
        "future": {"from": 9, "to": 11},
        "tools": {"from": 9, "to": 6},
    }
    assert d.cutoff is None  # "74" in both
    neutron = [s for s in d.sections if s["project"] == "neutron" and "section" in s]
    assert len(neutron) == 10
    assert all(
        s["from"]["status"] == "advisory" and s["to"]["status"] == "required" for s in neutron
    )
    assert d.metadata["schema"] == {"from": "1.5", "to": "1.6"}


def test_a_guideline_against_itself_is_empty(guidelines: GuidelineSet) -> None:
    for gid in ("2015.03", "2018.02", "dns.2020.06", "havana"):
        assert diff_guidelines(guidelines[gid], guidelines[gid]).empty


def test_diff_is_json_and_reverses(guidelines: GuidelineSet) -> None:
    a, b = guidelines["2016.01"], guidelines["2016.08"]
    forward, back = diff_guidelines(a, b), diff_guidelines(b, a)
    json.dumps(forward.to_dict())
    assert sorted(forward.capabilities_added) == sorted(back.capabilities_removed)
    assert len(forward.tests_added) == len(back.tests_removed)
    assert {t.name for t in forward.tests_renamed} == {t.old_name for t in back.tests_renamed}
    assert len(forward.flags_added) == len(back.flags_cleared)
    assert forward.weights["tools"] == {"from": 9, "to": 6} and back.weights["tools"] == {
        "from": 6,
        "to": 9,
    }


def test_1_2_to_1_5_matches_tests_by_name(guidelines: GuidelineSet) -> None:
    # 2015.05 (1.2) has no idempotent ids; 2015.07 has them: match by name
    d = diff_guidelines(guidelines["2015.05"], guidelines["2015.07"])
    names_a = {t.name for _, t in guidelines["2015.05"].tests()}
    names_b = {t.name for _, t in guidelines["2015.07"].tests()}
    assert len(d.tests_added) == len(names_b - names_a)
    assert len(d.tests_removed) == len(names_a - names_b)
