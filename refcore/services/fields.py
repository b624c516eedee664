"""Input checked before the database, with the same limits on every database.

The free-form JSON bodies of the v1 vendor and product endpoints: RefStack validated
them with JSON schemas; without a check here a number or an object where text belongs
reached the database driver and came back as a 500 (:func:`optional_text`,
:func:`required_text`).

The limits come from the columns that store the values (:mod:`refcore.storage.limits`),
so a check and its column cannot drift apart. Every problem is an
:class:`~refcore.errors.InvalidInput` (400) naming the field:

* text: no NUL character, no lone surrogate (``"\\ud800"`` in JSON), at most the column's
  width (:func:`text`, :func:`check_texts` for many values at once);
* whole numbers: within the column's range, 32-bit unless the column is BIGINT; floats
  finite (:func:`integer`);
* page numbers: from 1 to :data:`MAX_PAGE` (a page past the end is just empty);
* JSON bodies: no ``\\u0000``, no lone surrogate escape, nested at most
  :data:`MAX_JSON_DEPTH` levels, checked on the raw bytes before any parser recurses
  (:func:`json_problem`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from refcore.errors import InvalidInput
from refcore.storage.limits import (
    int_range,
    max_length,
    number_problem,
    text_problem,
    value_problem,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_PAGE",
    "SCHEMA_ERROR",
    "TOO_DEEP",
    "check_texts",
    "integer",
    "json_problem",
    "local_path",
    "optional_text",
    "page",
    "required_text",
    "text",
    "text_problem",
]

#: deepest JSON accepted (a guideline is 6 levels; Python's parser gives up near 1,000)
MAX_JSON_DEPTH = 64
#: highest page number asked for (32-bit); pages past the last one are empty
MAX_PAGE = 2**31 - 1

Column = InstrumentedAttribute[Any]


SCHEMA_ERROR = "Request doesnt correspond to schema"  # RefStack's words (sic)


def optional_text(body: dict[str, Any], key: str) -> str | None:
    """``body[key]`` when it is a string or null (absent: None)."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(SCHEMA_ERROR, errors=[f"{key} must be a string or null"])
    return value


def required_text(body: dict[str, Any], key: str) -> str:
    """``body[key]`` stripped, which must be a non-empty string."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(SCHEMA_ERROR, errors=[f"{key} must be a non-empty string"])
    return value.strip()


def local_path(target: str | None) -> str:
    """A redirect target after login: only a path on this site (``next=https://evil``,
    ``//evil`` or ``/\\evil`` must not send anyone off it); anything else is ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def invalid(field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"Invalid input: {field} {problem}", errors=[f"{field} {problem}"])


def text(value: str, field: str, column: Column | None = None, *, limit: int | None = None) -> str:
    """``value`` if it can be stored in ``column`` (or is at most ``limit`` characters)."""
    problem = value_problem(column, value) if column is not None else text_problem(value)
    if problem is None and limit is not None and len(value) > limit:
        problem = f"is longer than {limit} characters"
    if problem:
        raise invalid(field, problem)
    return value


def check_texts(values: Iterable[str], field: str, column: Column) -> None:
    """Many values for one column (a run's test names) checked at C speed: one join,
    one encode, one scan for NUL, one max of lengths."""
    values = list(values)
    if not values:
        return
    joined = "\n".join(values)
    problem = text_problem(joined)
    if problem:
        bad = next(v for v in values if text_problem(v))
        raise invalid(field, f"{problem}: {_shown(bad)}")
    limit = max_length(column)
    if limit is not None and max(map(len, values)) > limit:
        raise invalid(field, f"is longer than {limit} characters")


def _shown(value: str, width: int = 60) -> str:
    """A value safe to echo: NUL and lone surrogates shown escaped, cut to ``width``."""
    shown = value[:width].encode("utf-8", "backslashreplace").decode("utf-8")
    return repr(shown.replace("\x00", "\\x00"))[1:-1] + ("..." if len(value) > width else "")


def integer(value: Any, field: str, column: Column | None = None, *, low: int = 0) -> int:
    """A whole number from ``value`` (an int, an integral float or decimal digits) within
    ``column``'s range (32-bit without one) and not below ``low``."""
    high = int_range(column)[1] if column is not None else 2**31 - 1
    number: int | float
    if isinstance(value, bool):
        raise invalid(field, "must be a whole number")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str) and value.isascii() and value.strip().lstrip("+-").isdigit():
        if len(value) > 30:  # no need to convert 4,000 digits to know they are too many
            raise invalid(field, f"is out of range ({low} to {high})")
        number = int(value)
    else:
        raise invalid(field, "must be a whole number")
    problem = number_problem(number, low, high)
    if problem:
        raise invalid(field, problem)
    if isinstance(number, float) and not number.is_integer():
        raise invalid(field, "must be a whole number")
    return int(number)


def page(value: Any) -> int:
    return integer(value, "page", low=1)


# -- JSON bodies ------------------------------------------------------------------------------
_BRACKETS_ONLY = bytes(range(256)).translate(None, b"[]{}")
# "[" and "{" as "(", "]" and "}" as ")": one pair to look for
_AS_PARENS = bytes.maketrans(b"[]{}", b"()()")
_STEP = [0] * 256
_STEP[ord("(")], _STEP[ord(")")] = 1, -1
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# a \u escape of NUL or of a surrogate; it is one when the backslash before the ``u`` is
# not itself escaped (an even number of backslashes before it, see _escaped). The pattern
# starts with a literal, so ``re`` searches for it at C speed (a pattern starting with a
# look-behind is tried at every byte: 11.7 ms on a 150 KB upload, now ~0.1 ms).
_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _depth(data: bytes) -> int:
    """The deepest nesting of brackets in ``data``, counting any bracket, up to
    ``MAX_JSON_DEPTH + 1`` (deeper is too deep, whatever the figure). Each pass takes out
    every innermost pair at C speed (the leaves of the bracket tree), so a body costs as
    many passes as it is deep (3 for an upload), not a Python step per bracket (0.34 ->
    0.07 ms for 1,500 tests, timeit); what does not pair up (not JSON) is counted
    bracket by bracket."""
    brackets = data.translate(_AS_PARENS, _BRACKETS_ONLY)
    passes = 0
    while brackets:
        inner = brackets.replace(b"()", b"")
        if len(inner) == len(brackets):
            break
        brackets, passes = inner, passes + 1
        if passes > MAX_JSON_DEPTH:
            return passes
    if not brackets:
        return passes
    steps = map(_STEP.__getitem__, data.translate(_AS_PARENS, _BRACKETS_ONLY))
    return max(accumulate(steps, initial=0))


def json_depth(body: bytes) -> int:
    """How deep ``body`` nests, counted on the bytes (no parser recursion), up to
    ``MAX_JSON_DEPTH + 1``. Brackets inside
    strings are skipped only when the quick count, which includes them, is over the limit."""
    quick = _depth(body)
    if quick <= MAX_JSON_DEPTH:
        return quick
    return _depth(_STRING.sub(b"", body))


TOO_DEEP = f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"


def _escaped(data: bytes, at: int) -> bool:
    """Whether the backslash at ``at`` is escaped (an odd number of backslashes before it)."""
    start = at
    while start and data[start - 1] == 0x5C:  # backslash
        start -= 1
    return (at - start) % 2 == 1


def json_problem(body: bytes) -> str | None:
    """Why a JSON ``body`` cannot be taken (before it is parsed), or None."""
    if json_depth(body) > MAX_JSON_DEPTH:
        return TOO_DEEP
    if b"\\u" not in body:  # no escape at all (most bodies): nothing more to look for
        return None
    lone = "the JSON body contains a lone surrogate (not valid Unicode)"
    pending = -1  # where an unpaired high surrogate escape ended
    for found in _ESCAPE.finditer(body):
        if _escaped(body, found.start()):
            continue
        code = int(found.group(1), 16)
        if code == 0:
            return "the JSON body contains a NUL character (\\u0000)"
        if code < 0xDC00:  # high: must be followed at once by a low one
            if pending >= 0:
                return lone
            pending = found.end()
        elif pending < 0 or found.start(1) - 2 != pending:
            return lone
        else:
            pending = -1
    return lone if pending >= 0 else None
