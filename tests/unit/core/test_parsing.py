"""Every real guideline file reads into the model; the known defects become warnings."""

from __future__ import annotations

import json

import pytest

from refcore.core.parsing import guess_id, loads_lenient, parse_guideline
from refcore.errors import InvalidGuideline
from refcore.readers.guidelines import guideline_files

EXPECTED_IDS = [
    "2015.03", "2015.04", "2015.05", "2015.07", "2016.01", "2016.08", "2017.01", "2017.09",
    "2018.02", "2018.11", "2019.06", "2019.11", "2020.06", "next",
    "dns.2018.02", "dns.2018.11", "dns.2019.06", "dns.2019.11", "dns.2020.06", "dns.next",
    "orchestration.2018.02", "orchestration.2018.11", "orchestration.2019.06",
    "orchestration.2019.11", "orchestration.2020.06", "orchestration.next",
    "nfv.next", "havana", "icehouse", "juno", "havana-draft",
]  # fmt: skip


def test_every_file_is_loaded(guidelines, interop_dir):
    assert list(guidelines) == EXPECTED_IDS
    assert guidelines.issues == []  # no file is unusable
    assert len(guideline_files(interop_dir)) == len(EXPECTED_IDS)


@pytest.mark.parametrize("gid", EXPECTED_IDS)
def test_each_guideline_is_coherent(guidelines, gid):
    g = guidelines[gid]
    assert g.capabilities and g.targets
    for target in g.targets:
        for name, status in g.capability_statuses(target).items():
            assert status in ("required", "advisory", "deprecated", "removed")
            assert name in g.capabilities or name in g.undefined_capabilities()
    for cap in g.capabilities.values():
        for test in cap.tests:
            assert test.name and "[" not in test.name
    assert sum(c.weight for c in g.criteria.values()) in (0, 75, 100)


def test_schema_versions(guidelines):
    schemas = {gid: guidelines[gid].schema for gid in EXPECTED_IDS}
    assert {schemas[x] for x in ("2015.03", "2015.04", "2015.05")} == {"1.2"}
    assert {schemas[x] for x in ("2015.07", "2016.01")} == {"1.5"}
    assert {schemas[x] for x in ("2016.08", "2017.01", "2017.09")} == {"1.6"}
    assert {schemas[x] for x in EXPECTED_IDS[8:27]} == {"2.0"}
    assert {schemas[x] for x in ("havana", "icehouse", "juno", "havana-draft")} == {"1.0"}


def test_metadata_2_0(guidelines):
    g = guidelines["2020.06"]
    assert g.status == "approved"
    assert g.releases == ("stein", "train", "ussuri", "victoria")
    assert g.cutoff_score == 74 and g.total_weight == 100
    assert g.criteria["clients"].weight == 10 and g.criteria["clients"].name == "Used by Clients"
    assert len(g.capabilities) == 79
    tests = [t for _, t in g.tests()]
    assert len(tests) == 289
    assert sum(t.flagged for t in tests) == 11
    assert sum(bool(t.aliases) for t in tests) == 95
    assert g.targets["object"].components == ("os_powered_storage",)
    assert g.components["os_powered_storage"].designated_sections["required"] == (
        "keystone",
        "swift",
    )


def test_cutoff_types(guidelines):
    assert guidelines["2015.07"].cutoff_score is None  # absent
    assert guidelines["2016.01"].cutoff_score == 74  # the string "74"
    assert guidelines["dns.2020.06"].cutoff_score == 60
    assert guidelines["dns.2020.06"].total_weight == 75


def test_criteria_description_spellings(guidelines):
    assert guidelines["2016.01"].criteria["atomic"].description  # "Description"
    assert guidelines["2020.06"].criteria["atomic"].description  # "description"


def test_typos_are_warnings_and_read(guidelines):
    g = guidelines["2018.02"]
    assert g.capabilities["objectstore-slo-support"].achievements  # from 'acheivements'
    pointers = [i.pointer for i in g.warnings]
    assert "/capabilities/objectstore-slo-support/acheivements" in pointers
    nxt = guidelines["next"]
    assert nxt.capabilities["identity-v3-tokens-delete"].description
    assert nxt.capabilities["identity-v3-tokens-delete"].achievements == ()  # [""]


def test_required_since_both_spellings(guidelines):
    g = guidelines["2018.02"]
    values = [c.required_since for c in g.capabilities.values()]
    # 75 "required-since" + 15 "required_since" keys, 7 of them "" (not required yet)
    assert sum(v is not None for v in values) == 83
    assert g.capabilities["objectstore-container-metadata"].required_since is None


def test_misnamed_orchestration_2018_02(guidelines):
    g = guidelines["orchestration.2018.02"]
    assert g.id == "orchestration.2018.02" and g.add_on == "orchestration"
    assert any("'orchestration.next'" in i.message for i in g.warnings)


def test_schema_1_5_invalid_regex_is_reported(guidelines):
    assert any("invalid regular expression" in i.message for i in guidelines["2016.01"].warnings)


def test_flags_1_2_and_2_0(guidelines):
    flagged_12 = [t for _, t in guidelines["2015.03"].tests() if t.flagged]
    assert len(flagged_12) == 9
    g = guidelines["2017.01"]
    flag = next(t.flag for _, t in g.tests() if t.flagged)
    assert flag.reason and flag.date
    counts = {
        gid: sum(t.flagged for _, t in guidelines[gid].tests())
        for gid in ("2015.04", "2016.08", "2018.02", "2019.11", "dns.2020.06")
    }
    assert counts == {"2015.04": 51, "2016.08": 49, "2018.02": 20, "2019.11": 11, "dns.2020.06": 0}


def test_alias_counts(guidelines):
    def n(gid):
        return sum(bool(t.aliases) for _, t in guidelines[gid].tests())

    assert [n(x) for x in ("2015.07", "2016.01", "2016.08", "2017.01", "2017.09", "2018.02")] == [
        4,
        33,
        92,
        153,
        158,
        157,
    ]
    assert n("2020.06") == 95 and n("dns.2020.06") == 0


def test_addon_and_vertical_targets(guidelines):
    dns = guidelines["dns.2020.06"]
    assert dns.targets["dns"].required_platform_components == {
        "os_powered_compute": "http://opendev.org/openstack/interop/2020.06.json"
    }
    nfv = guidelines["nfv.next"]
    assert nfv.kind == "vertical"
    assert nfv.targets["nfv"].external_components["os_powered_compute"].endswith("2017.09.json")
    assert nfv.test_list("nfv")  # its own component's tests


def test_legacy_matrix_and_sections(guidelines):
    h = guidelines["havana"]
    assert h.kind == "legacy" and h.schema == "1.0"
    required = h.target_capabilities("platform", ["required"])
    assert required and all(h.capabilities[c].status == "required" for c in required)
    projects = {g.project for g in h.designated_sections}
    assert {"nova", "glance", "cinder", "swift", "keystone", "neutron"} <= projects
    nova = h.sections_for("nova")[0]
    assert nova.core_capabilities is True and not nova.sections[0].designated
    assert h.sections_for("keystone")[0].sections == ()  # written as [] in the file
    assert guidelines["havana-draft"].kind == "draft"


def test_lenient_json():
    assert loads_lenient('{"a": 1,\n// note\n "b": "x\ny"}') == {"a": 1, "b": "x\ny"}


def test_guess_id():
    assert guess_id("add-ons/dns.2020.06.json") == ("dns.2020.06", "add-on")
    assert guess_id("legacy/icehousecore.json") == ("icehouse", "legacy")
    assert guess_id("drafts/havanacore.json") == ("havana-draft", "draft")
    assert guess_id("guidelines/2020.06.json") == ("2020.06", "powered")


@pytest.mark.parametrize(
    "doc,message",
    [
        ([], "must be a JSON object"),
        ({"foo": 1}, "not a guideline"),
        ({"metadata": {}, "components": [], "capabilities": {}}, "/components must be an object"),
        (
            {"schema": "1.6", "components": {}, "capabilities": {"a": {}}},
            "capability has no 'tests'",
        ),
        (
            {"schema": "1.6", "components": {}, "capabilities": {}, "cutoff_score": "high"},
            "cutoff_score 'high' is not a number",
        ),
    ],
)
def test_unusable_documents(doc, message):
    with pytest.raises(InvalidGuideline, match=message):
        parse_guideline(doc, file="bad.json")


def test_real_file_roundtrip_raw(guidelines, interop_dir):
    raw = json.loads((interop_dir / "2020.06.json").read_text())
    assert guidelines["2020.06"].raw == raw
