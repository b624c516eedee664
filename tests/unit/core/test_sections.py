"""Designated sections from every schema, and which projects a program binds."""

from __future__ import annotations

import pytest

from refcore.core.sections import (
    SECTION_STATUSES,
    assume_designation,
    capability_project,
    classify_section,
    find_section,
    program_projects,
    section_infos,
    section_projects,
)
from refcore.errors import ProfileError

SWIFT_GROUP_A = {
    "proxy server", "object server", "container server", "account server", "catch_errors",
    "healthcheck", "bulk", "slo", "container-quotas", "account-quotas", "tempurl",
}  # fmt: skip


def test_legacy_havana_sections(guidelines) -> None:
    g = guidelines["havana"]
    assert section_projects(g) == [
        "nova", "glance", "cinder", "keystone", "swift", "neutron", "heat", "horizon", "ceilometer",
    ]  # fmt: skip
    swift = {s.name for s in section_infos(g, "swift", designated=True)}
    assert swift == SWIFT_GROUP_A  # the "// Group A" of havanasections.json
    assert len(section_infos(g, "swift")) == 28
    # projects whose JSON had "sections": [] have a group but no sections
    keystone = g.sections_for("keystone")
    assert len(keystone) == 1 and keystone[0].sections == ()
    assert keystone[0].status == "informational"
    assert keystone[0].guidance == "Not a core capability, no position at this time"
    nova = g.sections_for("nova")[0]
    assert nova.guidance.startswith("By default, designated except scheduler")
    assert not any(s.designated for s in nova.sections)


def test_v1x_status_outermost_and_v2_project_outermost(guidelines) -> None:
    old = guidelines["2015.03"]  # 1.2
    assert {g.status for g in old.sections_for("keystone")} == {"advisory"}
    new = guidelines["2020.06"]  # 2.0
    deprecated = [
        i.name for i in section_infos(guidelines["2017.09"], "keystone", statuses=["deprecated"])
    ]
    assert deprecated == ["auth (v2.0) API"]
    assert {g.status for g in new.sections_for("heat")} == {"informational"}
    api = find_section(new, "keystone", "AUTH (v3) api")  # case-insensitive
    assert api is not None and api[1].designated
    assert guidelines["dns.2020.06"].sections_for("designate")[0].sections[0].designated


def test_every_group_status_is_known(guidelines) -> None:
    for g in guidelines.values():
        for group in g.designated_sections:
            assert group.status in SECTION_STATUSES, (g.id, group.project, group.status)


def test_capability_project_from_data_or_legacy_prefix(guidelines) -> None:
    havana = guidelines["havana"].capabilities
    assert capability_project(havana["compute-keypairs"]) == "nova"
    assert capability_project(havana["objectstore-object"]) == "swift"
    assert capability_project(havana["images-v1"]) == "glance"
    assert capability_project(guidelines["icehouse"].capabilities["messaging-queues"]) == "marconi"
    assert (
        capability_project(guidelines["2020.06"].capabilities["compute-keypairs-create"]) == "nova"
    )


def test_havana_platform_binds_only_projects_with_must_pass_tests(guidelines) -> None:
    reqs = program_projects(guidelines["havana"], "platform")
    binding = sorted(p for p, r in reqs.items() if r.binding)
    assert binding == ["glance", "nova", "swift"]
    # cinder has a required capability whose test list is empty: sections do not bind
    assert reqs["cinder"].required_capabilities == ["volume-snapshots"]
    assert reqs["cinder"].must_pass_tests == 0
    assert "compute-keypairs" in reqs["nova"].required_capabilities
    assert "keystone" not in reqs  # no identity capability is core in Havana


def test_v2_components_list_required_projects(guidelines) -> None:
    g = guidelines["2020.06"]
    compute = program_projects(g, "compute")
    assert {p for p, r in compute.items() if r.listed_as == "required"} == {
        "cinder", "glance", "keystone", "nova", "neutron",
    }  # fmt: skip
    assert all(compute[p].binding for p in ("cinder", "glance", "keystone", "nova", "neutron"))
    storage = program_projects(g, "object")
    assert sorted(p for p, r in storage.items() if r.binding) == ["keystone", "swift"]
    assert sorted(program_projects(guidelines["dns.2020.06"], "dns")) == ["designate"]


def test_classify_published_unlisted_and_guidance(guidelines) -> None:
    g = guidelines["havana"]
    d, status = classify_section(g, "glance", "http apis")
    assert (d.designated, d.rule.number, status) == (True, 1, "required")
    d, _ = classify_section(g, "swift", "proxy server")
    assert (d.designated, d.rule.number) == (True, 9)  # published, no words to explain it
    d, _ = classify_section(g, "swift", "diskfile")
    assert (d.designated, d.rule.number) == (False, 4)
    # not listed: TC rules from declared properties, then nova's guidance default, then rule 8
    d, status = classify_section(g, "nova", "hyper-v driver", ["vendor-specific-interface"])
    assert (d.designated, d.rule.number, status) == (False, 7, None)
    d, _ = classify_section(g, "nova", "conductor")
    assert (d.designated, d.rule.number) == (True, 10)
    d, _ = classify_section(g, "glance", "notifier")
    assert (d.designated, d.rule.number) == (False, 8)
    d, _ = classify_section(g, "glance", "notifier", policy="seed")
    assert (d.designated, d.rule.number) == (True, 8)


def test_assume_designation_what_if(guidelines) -> None:
    g = guidelines["havana"]
    none = assume_designation(g, {"swift": "none"})
    assert section_infos(none, "swift", designated=True) == []
    every = assume_designation(g, {"swift": "all"})
    assert len(section_infos(every, "swift", designated=True)) == 28
    # the original is untouched, other projects too
    assert {s.name for s in section_infos(g, "swift", designated=True)} == SWIFT_GROUP_A
    assert section_infos(every, "glance") == section_infos(g, "glance")
    with pytest.raises(ProfileError, match="'trove': guideline havana has no sections for it"):
        assume_designation(g, {"trove": "all"})
    with pytest.raises(ProfileError, match="'half'"):
        assume_designation(g, {"swift": "half"})
