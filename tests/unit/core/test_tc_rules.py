"""The TC's selection rules (DesignatedSections.rst, 2014-12-02) as an engine."""

from __future__ import annotations

import pytest

from refcore.core.guidelines import Section
from refcore.core.tc_rules import (
    RULES,
    Policy,
    Property,
    decide,
    infer_properties,
    parse_properties,
)
from refcore.errors import ProfileError


@pytest.mark.parametrize(
    ("prop", "rule", "designated"),
    [
        (Property.REST_API, 1, True),
        (Property.SHARED, 2, True),
        (Property.CROSS_PLATFORM, 3, True),
        (Property.REPLACEABLE, 4, False),
        (Property.EXTENDS_API, 5, False),
        (Property.DEPRECATED, 6, False),
        (Property.VENDOR_SPECIFIC, 7, False),
    ],
)
def test_each_rule_decides_alone(prop: Property, rule: int, designated: bool) -> None:
    d = decide([prop])
    assert (d.designated, d.rule.number) == (designated, rule)
    assert d.overridden == ()
    assert f"rule {rule}" in d.explanation


def test_no_rule_applies_default_is_the_approved_text() -> None:
    d = decide([])
    assert d.designated is False
    assert d.rule.number == 8
    assert d.policy is Policy.APPROVED_TEXT
    assert "not designated by default" in d.explanation


def test_seed_policy_assumes_designated() -> None:
    d = decide([], "seed")
    assert d.designated is True
    assert d.rule.number == 8
    assert "assumed to be designated" in d.explanation


def test_policy_only_matters_when_no_rule_applies() -> None:
    for policy in Policy:
        assert decide([Property.REPLACEABLE], policy).designated is False
        assert decide([Property.REST_API], policy).designated is True


def test_exclusions_win_and_name_what_they_override() -> None:
    # an API extension provides REST API (rule 1) but extends it (rule 5): not designated
    d = decide(["provides-external-rest-api", "extends-rest-api"])
    assert (d.designated, d.rule.number) == (False, 5)
    assert [r.number for r in d.overridden] == [1]
    # deprecated beats vendor-specific beats replaceable (all NOT): deprecated named
    d = decide([Property.REPLACEABLE, Property.VENDOR_SPECIFIC, Property.DEPRECATED])
    assert d.rule.number == 6
    assert d.overridden == ()  # same side: nothing overridden


def test_unknown_property_and_policy_are_profile_errors() -> None:
    with pytest.raises(
        ProfileError, match="unknown section property 'fast'.*replaceable-by-design"
    ):
        parse_properties(["fast"], where="x.yaml")
    with pytest.raises(ProfileError, match="unknown designation policy 'lenient'"):
        decide([], "lenient")


def test_rules_table_is_the_resolution() -> None:
    assert sorted(RULES) == list(range(1, 11))
    assert [n for n, r in RULES.items() if r.designated and r.property] == [1, 2, 3]
    assert [n for n, r in RULES.items() if not r.designated and r.property] == [4, 5, 6, 7]


def test_infer_properties_reads_the_published_words() -> None:
    stores = Section(
        "stores",
        False,
        "the swift, filesystem, and http stores",
        "should be replaceable, vendor-specific",
    )
    assert {Property.REPLACEABLE, Property.VENDOR_SPECIFIC} <= infer_properties(stores)
    api = Section("http apis", True, "not provided", "API")
    assert infer_properties(api) == {Property.REST_API}
    assert infer_properties(Section("proxy server", True)) == frozenset()
