"""refcore.core.yamltext: YAML from untrusted text, without aliases or deep nesting."""

from __future__ import annotations

import datetime

import pytest
import yaml

from refcore.core.yamltext import MAX_DEPTH, safe_load


def test_plain_documents_load_as_safe_load_does() -> None:
    text = "name: mist\nkind: client\nanchor: &a [1, {b: c}]\nwhen: 2020-06-01\n"
    assert safe_load(text) == yaml.safe_load(text)
    assert safe_load(text)["when"] == datetime.date(2020, 6, 1)


def test_aliases_are_refused_where_they_are() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        safe_load("a: &x [1, 2]\nb: [*x, *x]\n")
    assert caught.value.problem == "aliases (*name) are not accepted"  # type: ignore[attr-defined]
    mark = caught.value.problem_mark  # type: ignore[attr-defined]
    assert (mark.line, mark.column) == (1, 4)


def test_nesting_is_bounded() -> None:
    assert safe_load("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for depth in (MAX_DEPTH + 1, 100_000):  # the latter: a RecursionError with safe_load
        with pytest.raises(yaml.YAMLError, match=f"nested deeper than {MAX_DEPTH} levels"):
            safe_load("[" * depth + "]" * depth)
