"""Test lists exactly as RefStack's /v1/guidelines/<id>/tests returns them."""

from __future__ import annotations

import pytest

from refcore.core.parsing import parse_guideline
from refcore.errors import UnknownTarget

# spec §8: (guideline, target) -> all types (entries, distinct), required,
# required flag=false, required alias=false, advisory, deprecated, removed
COUNTS = [
    ("2015.03", "platform", (127, 127), 127, 118, 127, 0, 0, 0),
    ("2016.01", "platform", (339, 339), 129, 99, 124, 208, 2, 0),
    ("2020.06", "platform", (390, 388), 390, 377, 286, 0, 0, 0),
    ("2020.06", "object", (61, 59), 61, 61, 60, 0, 0, 0),
    ("dns.2020.06", "dns", (10, 10), 10, 10, 10, 0, 0, 0),
]


@pytest.mark.parametrize("gid,target,all_,req,req_noflag,req_noalias,adv,dep,rem", COUNTS)
def test_reference_counts(
    guidelines, gid, target, all_, req, req_noflag, req_noalias, adv, dep, rem
):
    g = guidelines[gid]
    every = g.test_list(target)
    assert (len(every), len(set(every))) == all_
    assert len(g.test_list(target, ["required"])) == req
    assert len(g.test_list(target, ["required"], flag=False)) == req_noflag
    assert len(g.test_list(target, ["required"], alias=False)) == req_noalias
    assert len(g.test_list(target, ["advisory"])) == adv
    assert len(g.test_list(target, ["deprecated"])) == dep
    assert len(g.test_list(target, ["removed"])) == rem


def test_2018_02_duplicates_are_kept(guidelines):
    lines = guidelines["2018.02"].test_list()
    assert (len(lines), len(set(lines))) == (519, 399)
    crud = [x for x in lines if "VolumesMetadataTest.test_crud_volume_metadata[id-6f5b" in x]
    assert len(crud) == 3  # a key in two capabilities plus the alias of a third test


def test_lines_are_code_point_sorted(guidelines):
    lines = guidelines["2020.06"].test_list()
    assert lines == sorted(lines)


def test_format_name_with_id(guidelines):
    lines = guidelines["2020.06"].test_list("object", ["required"])
    assert (
        "tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token"
        "[id-6f8e4436-fc96-4282-8122-e41df57197a9]" in lines
    )


def test_schema_1_2_lists_bare_names(guidelines):
    lines = guidelines["2015.03"].test_list()
    assert all("[" not in x for x in lines)


def test_need_test_placeholder_gets_empty_brackets(guidelines):
    assert "tempest.api.volume.NEED_TEST[]" in guidelines["2017.01"].test_list()


def test_removed_capabilities_with_empty_tests(guidelines):
    g = guidelines["2015.03"]
    assert g.target_capabilities("platform", ["removed"])  # listed ...
    assert g.test_list("platform", ["removed"]) == []  # ... but have no tests


def test_same_capability_two_statuses(guidelines):
    g = guidelines["2015.05"]
    assert "identity-auth" in g.target_capabilities("platform", ["required"])
    assert "identity-auth" in g.target_capabilities("platform", ["advisory"])
    assert g.capability_statuses("platform")["identity-auth"] == "required"


def test_undefined_capabilities_are_skipped(guidelines):
    g = guidelines["2018.02"]
    assert g.undefined_capabilities() == ["volumes-v2-attach-detach", "volumes-v3-attach-detach"]
    assert "volumes-v2-attach-detach" in g.target_capabilities("platform", ["removed"])
    assert "volumes-v2-attach-detach" not in g.capabilities
    assert any("'volumes-v2-attach-detach' is listed" in i.message for i in g.warnings)


def test_flag_false_drops_aliases_too(guidelines):
    g = guidelines["2020.06"]
    flagged = [t for _, t in g.tests() if t.flagged and t.aliases]
    assert flagged, "2020.06 has flagged tests with aliases"
    test = flagged[0]
    without = g.test_list(flag=False)
    for name in test.names:
        assert f"{name}[{test.idempotent_id}]" not in without
    with_ = g.test_list(flag=True)
    for name in test.names:
        assert f"{name}[{test.idempotent_id}]" in with_


def test_add_on_targets(guidelines):
    g = guidelines["orchestration.2020.06"]
    assert list(g.targets) == ["orchestration"]
    with pytest.raises(UnknownTarget, match="Invalid target: platform"):
        g.test_list("platform")
    with pytest.raises(UnknownTarget, match="Invalid target: dns"):
        guidelines["2020.06"].test_list("dns")
    assert all("[" in x and "[id-" not in x for x in guidelines["dns.2020.06"].test_list("dns"))


def test_unknown_type_is_an_error(guidelines):
    with pytest.raises(UnknownTarget, match="Invalid type: mandatory"):
        guidelines["2020.06"].test_list(types=["mandatory"])


def _doc(**caps):
    return {
        "metadata": {"id": "x", "schema": "2.0"},
        "platforms": {"OpenStack Powered Platform": {"components": [{"name": "c"}]}},
        "components": {"c": {"capabilities": {"required": ["a", "b", "ghost"], "advisory": ["d"]}}},
        "capabilities": caps,
    }


def test_hand_checked_small_guideline():
    g = parse_guideline(
        _doc(
            a={
                "tests": {
                    "t.z": {"idempotent_id": "id-1", "aliases": ["t.old"]},
                    "t.y": {"idempotent_id": "id-2", "flagged": {"reason": "D401 bug"}},
                }
            },
            b={"tests": {"t.z": {"idempotent_id": "id-1"}}},
            d={"tests": {}},
        ),
        file="2099.01.json",
    )
    assert g.test_list() == ["t.old[id-1]", "t.y[id-2]", "t.z[id-1]", "t.z[id-1]"]
    assert g.test_list(alias=False, flag=False) == ["t.z[id-1]", "t.z[id-1]"]
    assert g.test_list(types=["advisory"]) == []
    assert g.undefined_capabilities() == ["ghost"]
    assert g.capabilities["a"].tests[1].flag.code == "D401"
