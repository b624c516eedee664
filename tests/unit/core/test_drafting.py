"""Drafting the next guideline from next.json and its worksheet (scoring.txt)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from refcore.core.diff import diff_guidelines
from refcore.core.drafting import Draft, draft_guideline, next_status
from refcore.core.guidelines import GuidelineSet
from refcore.core.scoring import Marks, Scoring
from refcore.core.worksheets import parse_worksheet
from refcore.errors import ScoringError


@pytest.fixture(scope="module")
def schema(interop_dir: Path):  # type: ignore[no-untyped-def]
    from refcore.readers.guidelines import schemas_in

    return schemas_in(interop_dir)["2.0"]


@pytest.fixture(scope="module")
def sheet(interop_dir: Path):  # type: ignore[no-untyped-def]
    return parse_worksheet((interop_dir / "working_materials" / "scoring.txt").read_text())


@pytest.fixture(scope="module")
def draft(guidelines: GuidelineSet, sheet, schema) -> Draft:  # type: ignore[no-untyped-def]
    return draft_guideline(
        guidelines["next"], sheet.marks(), "2021.01", schema=schema, replaces="2020.06"
    )


@pytest.mark.parametrize(
    ("before", "star", "after"),
    [
        (None, True, "advisory"),
        (None, False, None),
        ("advisory", True, "required"),
        ("advisory", False, None),
        ("required", True, "required"),
        ("required", False, "deprecated"),
        ("deprecated", True, "advisory"),
        ("deprecated", False, "removed"),
        ("removed", True, "advisory"),
        ("removed", False, None),
    ],
)
def test_2016a_transitions(before: str | None, star: bool, after: str | None) -> None:
    assert next_status(before, star) == after


def test_draft_from_next_validates_against_2_0(draft: Draft) -> None:
    assert draft.issues == []  # no violation of doc/source/schema/2.0.json
    meta = draft.doc["metadata"]
    assert meta["id"] == "2021.01"
    assert meta["source"].endswith("/2021.01.json")
    assert meta["os_trademark_approval"]["status"] == "draft"
    assert meta["os_trademark_approval"]["target_approval"] == "2021.01"
    assert meta["os_trademark_approval"]["replaces"] == "2020.06"
    g = draft.guideline()
    assert g.id == "2021.01" and g.schema == "2.0"


def test_draft_diff_is_exactly_what_the_scores_imply(
    guidelines: GuidelineSet, draft: Draft, sheet
) -> None:  # type: ignore[no-untyped-def]
    base = guidelines["next"]
    d = diff_guidelines(base, draft.guideline())
    platform = {k: sorted(v) for k, v in d.transitions("platform").items()}
    assert platform == {
        # required in next.json, below 74 on the sheet
        ("required", "deprecated"): [
            "compute-images-create",  # [72]
            "volumes-list-api-versions",  # [67]
            "volumes-v3-extensions",  # [69]
        ],
        # advisory in next.json, at/above 74
        ("advisory", "required"): [
            "compute-servers-create-multiple",  # [85]*
            "identity-v3-tokens-delete",  # [77]*
            "volumes-v3-upload",  # [77]*
        ],
        # removed (and undefined) in next.json, below 74: gone
        ("removed", None): [
            "volumes-v2-availability-zones",
            "volumes-v2-copy-image-to-volume",
            "volumes-v2-extensions",
            "volumes-v2-reserve",
            "volumes-v2-upload",
        ],
    }
    assert d.transitions("object") == {("advisory", "required"): ["identity-v3-tokens-delete"]}
    for cap in ("compute-images-create", "volumes-v3-upload", "volumes-v2-reserve"):
        row = sheet.row(cap)
        assert row.star == (cap == "volumes-v3-upload")
    # nothing else moves: tests, flags, sections, weights are the base's
    assert d.counts() | {"status_changes": 0} == dict.fromkeys(d.counts(), 0)
    assert d.weights == {} and d.cutoff is None
    assert d.metadata == {
        "target_approval": {"from": "2018.08", "to": "2021.01"},
        "replaces": {"from": "2018.02", "to": "2020.06"},  # next.json's is stale (spec §7)
        # rolled forward one release from the base's (ocata..rocky)
        "releases": {
            "from": ["ocata", "pike", "queens", "rocky"],
            "to": ["pike", "queens", "rocky", "stein"],
            "added": ["stein"],
            "dropped": ["ocata"],
        },
    }


def test_draft_reports_what_scores_cannot_decide(draft: Draft) -> None:
    reasons = Counter(d.reason for d in draft.decisions)
    assert reasons == {
        "scored >= cut-off": 72,
        "scored >= cut-off but undefined in the base: stays removed": 9,
        "scored < cut-off": 8,
        "not scored": 5,
    }
    # next.json lists 13 volumes-v2-* + volumes-v3-reserve as removed but defines none (spec §7);
    # the 9 the sheet still stars cannot become advisory without tests
    stuck = sorted(c for c, why in draft.unplaced.items() if "stays removed" in why)
    assert stuck == sorted(
        ["volumes-v3-reserve"]
        + [
            f"volumes-v2-{n}"
            for n in ("create-delete", "snapshot-create-delete", "get", "list", "update")
            + ("clone", "metadata", "readonly")
        ]
    )
    # 24 starred rows use names no guideline defines (pre-CRUD-grouping network rows etc.)
    undefined = sorted(c for c, why in draft.unplaced.items() if "needs tests" in why)
    assert len(undefined) == 24
    assert "network-l2-create" in undefined and "identity-v3-list-groups" in undefined
    not_scored = sorted(d.capability for d in draft.decisions if d.reason == "not scored")
    assert not_scored == [
        "images-v2-index",
        "networks-l2-CRUD",
        "networks-l3-CRUD",
        "networks-l3-router",
        "networks-security-groups-CRUD",
    ]


def test_required_since_and_achievements(guidelines: GuidelineSet, draft: Draft, sheet) -> None:  # type: ignore[no-untyped-def]
    caps = draft.doc["capabilities"]
    assert guidelines["next"].capabilities["volumes-v3-upload"].required_since is None
    assert caps["volumes-v3-upload"]["required_since"] == "2021.01"  # newly required
    assert caps["compute-images-create"]["required_since"] == "2014.07"  # kept
    # achievements come from the marks; the misspelt key is gone
    assert "acheivements" not in caps["objectstore-slo-support"]
    assert (
        caps["objectstore-slo-support"]["achievements"]
        == sheet.row("objectstore-slo-support").marks.achievements()
    )
    assert caps["compute-servers-create"]["achievements"] == list(
        ("deployed", "tools", "clients", "future", "complete", "stable")
        + ("discover", "doc", "sticky", "foundation", "atomic", "proximity")
    )
    # not scored: untouched
    assert caps["networks-l2-CRUD"] == guidelines["next"].raw["capabilities"]["networks-l2-CRUD"]


def test_constructed_transitions(guidelines: GuidelineSet) -> None:
    base = guidelines["2020.06"]
    one = Marks(("1",) * 12)
    zero = Marks(("0",) * 12)
    marks = {"compute-servers-create": zero, "images-v2-import": one}
    draft = draft_guideline(base, marks, "2021.01")
    g = draft.guideline()
    statuses = g.capability_statuses("platform")
    assert statuses["compute-servers-create"] == "deprecated"
    # defined but listed nowhere in 2020.06: placed by project (glance) as advisory
    assert statuses["images-v2-import"] == "advisory"
    again = draft_guideline(g, {"compute-servers-create": zero}, "2021.06")
    assert again.guideline().capability_statuses("platform")["compute-servers-create"] == "removed"
    third = draft_guideline(again.guideline(), {"compute-servers-create": zero}, "2022.01")
    assert "compute-servers-create" not in third.guideline().capabilities
    assert third.dropped_definitions == ["compute-servers-create"]
    incomplete = Marks(("?",) + ("1",) * 11)
    kept = draft_guideline(base, {"compute-servers-create": incomplete}, "2021.01")
    assert kept.decisions[0].reason in ("not scored", "scoring incomplete")
    assert kept.guideline().capability_statuses("platform")["compute-servers-create"] == "required"


def test_drafts_need_a_2_0_base(guidelines: GuidelineSet) -> None:
    with pytest.raises(ScoringError, match="schema 2.0; base 2017.09 is schema 1.6"):
        draft_guideline(guidelines["2017.09"], {}, "2021.01")
    with pytest.raises(ScoringError, match="no cutoff_score"):
        draft_guideline(guidelines["2020.06"], {}, "x", scoring=Scoring.explicit({"deployed": 8}))
