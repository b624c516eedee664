"""The scoring formula (spec §3) on constructed marks and on the real weights."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcore.core.scoring import CRITERIA_KEYS, Marks, Scoring, reaching_cutoff
from refcore.errors import ScoringError

ALL_ONES = Marks(("1",) * 12)


@pytest.fixture(scope="module")
def powered(guidelines) -> Scoring:  # type: ignore[no-untyped-def]
    return Scoring.from_guideline(guidelines["2020.06"])


def test_weights_and_cutoff_from_a_2_0_guideline(powered: Scoring) -> None:
    assert powered.cutoff == 74
    assert powered.total_weight == 100
    assert powered.weight("clients") == 10 and powered.weight("tools") == 6
    assert powered.criteria["sticky"].name == "Core in Last Release"


def test_add_on_scoring_leaves_three_criteria_out(guidelines) -> None:  # type: ignore[no-untyped-def]
    dns = Scoring.from_guideline(guidelines["dns.2020.06"])
    assert dns.cutoff == 60 and dns.total_weight == 75
    assert {k for k in CRITERIA_KEYS if not dns.considered(k)} == {
        "deployed",
        "foundation",
        "proximity",
    }


def test_legacy_criteria_block_and_string_cutoff(guidelines) -> None:  # type: ignore[no-untyped-def]
    raw = guidelines["2016.01"].raw
    scoring = Scoring.from_block(raw["criteria"], raw["cutoff_score"])
    assert raw["cutoff_score"] == "74" and scoring.cutoff == 74
    assert scoring.weight("tools") == 9  # the 2015-2016.01 weights
    legacy = Scoring.from_guideline(guidelines["havana"])
    assert legacy.cutoff is None and legacy.total_weight == 100


def test_2_0_scoring_block_carries_its_cutoff(guidelines) -> None:  # type: ignore[no-untyped-def]
    block = guidelines["next"].raw["metadata"]["scoring"]
    assert Scoring.from_block(block) == Scoring.from_guideline(guidelines["next"])


def test_explicit_weights() -> None:
    s = Scoring.explicit({"deployed": 50, "stable": 50}, cutoff="60")
    assert s.cutoff == 60
    assert s.score(Marks.from_mapping({"deployed": 1, "stable": 0})).total == 50
    assert s.score(Marks.from_mapping({"deployed": 1, "stable": 1})).star


def test_formula_veto_incomplete_and_star(powered: Scoring) -> None:
    assert powered.score(ALL_ONES).total == 100
    vetoed = powered.score(Marks(("1",) * 12, non_admin="0"))
    assert (vetoed.total, vetoed.vetoed, vetoed.star) == (0, True, False)
    marks = list("111111110111")  # sticky 0: 100 - 9
    assert powered.score(Marks(tuple(marks))).total == 91
    marks[0] = "?"  # deployed unknown: -(91 - 8)
    s = powered.score(Marks(tuple(marks)))
    assert (s.total, s.incomplete, s.star) == (-83, True, False)
    # exactly at the cut-off is a star
    at = Marks(tuple("111110010111"))  # 100 - stable 9 - discover 8 - sticky 9
    assert powered.score(at).total == 74 and powered.score(at).star
    below = Marks(tuple("111110010011"))  # and foundation 9 less
    assert powered.score(below).total == 65 and not powered.score(below).star


def test_unweighted_star_mark_contributes_nothing(guidelines) -> None:  # type: ignore[no-untyped-def]
    dns = Scoring.from_guideline(guidelines["dns.next"])
    s = dns.score(Marks(tuple("*11111110*1*")))
    assert (s.total, s.incomplete, s.star) == (66, False, True)
    # '*' under a weighted criterion is not a score: incomplete
    assert dns.score(Marks(tuple("1*1111110*1*"))).incomplete


def test_reaching_cutoff(powered: Scoring) -> None:
    marks = {"a": ALL_ONES, "b": Marks(("0",) * 12), "c": Marks(("1",) * 12, "0")}
    assert reaching_cutoff(powered, marks) == ["a"]


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Marks(("1",) * 11),
        lambda: Marks(("1",) * 11 + ("10",)),
        lambda: Marks.from_mapping({"popular": 1}),
        lambda: Scoring.explicit({"popular": 3}),
        lambda: Scoring.from_block({"deployed": {"name": "x"}}),
        lambda: Scoring.from_block({"deployed": {"weight": "8"}}),
        lambda: Scoring.explicit({"deployed": 8}, cutoff="high"),
    ],
)
def test_bad_input_is_a_scoring_error(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScoringError):
        bad()


def test_no_criteria_is_a_scoring_error(guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    from dataclasses import replace

    with pytest.raises(ScoringError, match="no scoring criteria"):
        Scoring.from_guideline(replace(g, criteria={}))


marks_strategy = st.lists(st.sampled_from("01"), min_size=12, max_size=12)


@given(marks_strategy, st.integers(min_value=0, max_value=11))
def test_total_is_monotone_in_marks(marks: list[str], i: int) -> None:
    scoring = Scoring.explicit(dict(zip(CRITERIA_KEYS, range(3, 15), strict=True)))
    lower = marks.copy()
    lower[i] = "0"
    higher = marks.copy()
    higher[i] = "1"
    assert scoring.score(Marks(tuple(lower))).total <= scoring.score(Marks(tuple(higher))).total


@given(marks_strategy, st.sampled_from("01"))
def test_total_is_bounded_by_weights(marks: list[str], non_admin: str) -> None:
    scoring = Scoring.explicit(dict.fromkeys(CRITERIA_KEYS, 5), cutoff=30)
    s = scoring.score(Marks(tuple(marks), non_admin))
    assert 0 <= s.total <= 60
    assert s.star == (s.total >= 30)
    assert s.total == (5 * marks.count("1") if non_admin == "1" else 0)
