"""The input checks of :mod:`refcore.services.fields`, on the raw values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcore.errors import InvalidInput
from refcore.services import fields
from refcore.storage.models import Run, RunMeta, TestName


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"a": "x"}', None),
        (b'{"a": "\\ud83d\\ude00"}', None),  # a pair is one character
        (b'{"a": "\\\\ud800"}', None),  # an escaped backslash, then text
        (b'{"a": "\\\\\\ud800"}', "lone surrogate"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"a": "\\ude00"}', "lone surrogate"),
        (b'{"a": "\\ud800x\\ude00"}', "lone surrogate"),
        (b'{"a": "\\ud800\\ud800\\ude00"}', "lone surrogate"),
        (b'{"a": "\\u0000"}', "NUL"),
        (b'{"a": "\\U0000"}', None),  # not an escape JSON knows: the parser refuses it
        (b"[" * 64 + b"]" * 64, None),
        (b"[" * 65 + b"]" * 65, "deeper than 64"),
        (b'["' + b"[" * 500 + b'"]', None),  # brackets in a string do not nest
        (b'["\\"' + b"[" * 500 + b'"]', None),
    ],
)
def test_json_problem(body: bytes, problem: str | None) -> None:
    found = fields.json_problem(body)
    assert (found is None) if problem is None else (problem in (found or "")), found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet='ab\\u0"', max_size=6),
            st.sampled_from(["\x00", "\ud800", "\udc00", "\ud83d\ude00", "\\", "\\u0000"]),
        ),
        max_size=8,
    )
)
def test_json_problem_agrees_with_the_decoded_strings(parts: list[str]) -> None:
    """Whatever the escapes and backslashes, a body is refused exactly when a string in
    it decodes to a NUL or to a surrogate that is not half of a pair."""
    value = "".join(parts)
    body = json.dumps({"a": value}).encode()  # ensure_ascii: \u escapes, pairs kept
    decoded = json.loads(body)["a"]
    lone = any(0xD800 <= ord(c) <= 0xDFFF for c in decoded)  # json.loads joins the pairs
    expected = "NUL" if "\x00" in decoded else "lone surrogate" if lone else None
    found = fields.json_problem(body)
    if expected is None:
        assert found is None, (value, found)
    elif "\x00" in decoded and lone:
        assert found is not None
    else:
        assert expected in (found or ""), (value, found)


def _depth_step_by_step(data: bytes) -> int:
    """The definition: the highest running count of open brackets."""
    depth = deepest = 0
    for byte in data:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=40).map(lambda b: bytes(b"[]{}x"[c % 5] for c in b)),
        st.recursive(
            st.just([]) | st.just({}) | st.integers(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text("ab[", max_size=2), inner, max_size=3)
            ),
            max_leaves=40,
        ).map(lambda doc: json.dumps(doc).encode()),
        st.integers(1, 80).map(lambda n: b"[" * n + b"]" * n),
    )
)
def test_json_depth_is_the_deepest_running_count(data: bytes) -> None:
    """Counted pass by pass (a pass takes out the innermost pairs), the depth is the
    running count's highest value, for JSON and for brackets that do not pair up;
    over the limit it only has to say so."""
    expected = _depth_step_by_step(data)
    found = fields._depth(data)
    if expected > fields.MAX_JSON_DEPTH:
        assert found > fields.MAX_JSON_DEPTH
    else:
        assert found == expected, data


def test_text_limits_come_from_the_columns() -> None:
    assert fields.text("c" * 128, "cpid", Run.cpid) == "c" * 128
    with pytest.raises(InvalidInput, match="cpid is longer than 128 characters"):
        fields.text("c" * 129, "cpid", Run.cpid)
    with pytest.raises(InvalidInput, match="longer than 255"):
        fields.text("v" * 256, "meta", RunMeta.value)
    with pytest.raises(InvalidInput, match="NUL"):
        fields.text("a\x00", "cpid", Run.cpid)
    with pytest.raises(InvalidInput, match="lone surrogate"):
        fields.text("a\udc80", "cpid")
    fields.check_texts(["t.a", "n" * 512], "test name", TestName.name)
    with pytest.raises(InvalidInput, match=r"NUL character: t\.\\\\x00b"):
        fields.check_texts(["t.a", "t.\x00b"], "test name", TestName.name)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (2**31 - 1, True),
        ("2147483647", True),
        (2**31, False),
        (-1, False),
        (1e10, False),
        (float("inf"), False),
        (float("nan"), False),
        (3.5, False),
        (True, False),
        ("9" * 5000, False),
        ("²", False),
        ("1e3", False),
    ],
)
def test_integer(value: object, ok: bool) -> None:
    if ok:
        assert fields.integer(value, "n", Run.duration_seconds) == int(value)  # type: ignore[call-overload]
    else:
        with pytest.raises(InvalidInput, match="Invalid input: n "):
            fields.integer(value, "n", Run.duration_seconds)
