"""A RefStack upload body is read the fast way (msgspec) or the slow way (json +
jsonschema); both must agree on every body: the same upload, or the same error."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcore.errors import InvalidInput
from refcore.services.runs import MAX_NAME, _read_v1, _read_v1_slowly

names = st.one_of(
    st.text(min_size=0, max_size=8),
    st.just("x" * (MAX_NAME + 1)),
    st.integers(),
    st.none(),
)
tests = st.one_of(
    st.fixed_dictionaries(
        {"name": names},
        optional={
            "uuid": st.one_of(st.text(max_size=4), st.none(), st.integers()),
            "extra": st.integers(),
        },
    ),
    st.integers(),
    st.text(max_size=3),
)
docs = st.one_of(
    st.fixed_dictionaries(
        {
            "cpid": st.one_of(st.text(max_size=4), st.integers(), st.none()),
            "duration_seconds": st.one_of(
                st.integers(-(2**70), 2**70),
                st.floats(allow_nan=False),
                st.booleans(),
                st.text(max_size=2),
            ),
            "results": st.one_of(
                st.lists(tests, max_size=4),
                st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
            ),
        },
        optional={"unexpected": st.integers()},
    ),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=4),
)


def _outcome(read, body: bytes) -> object:  # type: ignore[no-untyped-def]
    try:
        return msgspec.to_builtins(read(body))
    except InvalidInput as exc:
        return ("error", exc.message, exc.errors)


@settings(max_examples=400, deadline=None)
@given(docs)
def test_fast_and_slow_reading_agree(doc: object) -> None:
    body = json.dumps(doc).encode()
    assert _outcome(_read_v1, body) == _outcome(_read_v1_slowly, body)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe{}",
        '{"cpid": "a", "duration_seconds": 1, "results": [{"name": "t"}]}'.encode("utf-16"),
        b'{"cpid": "a", "duration_seconds": NaN, "results": []}',
        b'{"cpid": "a", "cpid": "b", "duration_seconds": 1, "results": [{"name": "t", "uuid": null}]}',
        b'{"cpid": "a", "duration_seconds": 1, "results": [{"name": "t", "uuid": "u"}]}',
        b"[" * 100_000,
    ],
)
def test_odd_bodies_agree(body: bytes) -> None:
    assert _outcome(_read_v1, body) == _outcome(_read_v1_slowly, body)
