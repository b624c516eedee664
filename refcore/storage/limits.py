"""What a column can hold, read from the column itself, and checked the same way on
SQLite and PostgreSQL before anything is written.

PostgreSQL refuses a NUL character in text, a string wider than its ``VARCHAR(n)`` and
an integer wider than its column (``INTEGER`` is 32-bit, ``BIGINT`` 64-bit), each with an
error; SQLite stores all of them (its integers are 64-bit, so 2**63 fails there
instead). Neither driver can send a lone surrogate (``"\\ud800"`` from JSON). So the
limits are taken from the column types (:func:`max_length`, :func:`int_range`) and every
row the ORM is about to flush is checked against them (:func:`_guard`): bad input is a
:class:`~refcore.errors.InvalidInput` (400) on both databases and nothing is written.
Rows written with Core statements (a run's test names) are checked by their callers with
the same functions.

Text columns have no width in SQL; those that hold short values say how long in their
``info["max_length"]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.schema import Column

from refcore.errors import InvalidInput

__all__ = [
    "INT32",
    "INT64",
    "int_range",
    "max_length",
    "number_problem",
    "refuse_problems",
    "row_problems",
    "text_problem",
    "value_problem",
]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _column(column: Column[Any] | InstrumentedAttribute[Any]) -> Column[Any]:
    if isinstance(column, InstrumentedAttribute):
        found = column.property.columns[0]
        assert isinstance(found, Column)
        return found
    return column


def max_length(column: Column[Any] | InstrumentedAttribute[Any]) -> int | None:
    """The most characters ``column`` holds: ``VARCHAR(n)``'s n, or a Text column's
    ``info["max_length"]``; None when unbounded."""
    col = _column(column)
    declared = col.info.get("max_length")
    if declared is not None:
        return int(declared)
    if isinstance(col.type, String):
        return col.type.length
    return None


def int_range(column: Column[Any] | InstrumentedAttribute[Any]) -> tuple[int, int]:
    """The integers ``column`` holds on every database (32-bit unless BIGINT)."""
    col = _column(column)
    return INT64 if isinstance(col.type, BigInteger) else INT32


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text on every database, or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def number_problem(value: float | int, low: int, high: int) -> str | None:
    """Why ``value`` is not a whole number in [low, high], or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if not low <= value <= high:
        return f"is out of range ({low} to {high})"
    return None


def value_problem(column: Column[Any] | InstrumentedAttribute[Any], value: Any) -> str | None:
    """Why ``value`` cannot go into ``column`` on every database, or None."""
    col = _column(column)
    if value is None or isinstance(col.type, Boolean):
        return None
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            return problem
        limit = max_length(col)
        if limit is not None and len(value) > limit:
            return f"is longer than {limit} characters"
        return None
    if isinstance(col.type, Integer) and isinstance(value, int | float):
        return number_problem(value, *int_range(col))
    return None


def row_problems(columns: Iterable[Column[Any]], values: dict[str, Any]) -> list[str]:
    """What the guard would say of a row written with a Core insert (``values`` by
    column key): the same checks, so such a row is refused the same way."""
    found = []
    for col in columns:
        if col.key in values:
            problem = value_problem(col, values[col.key])
            if problem:
                found.append(f"{col.key} {problem}")
    return found


def refuse_problems(problems: list[str]) -> None:
    """The guard's error for ``problems`` (none: nothing)."""
    if problems:
        raise InvalidInput(f"Invalid input: {problems[0]}", errors=problems)


def _problems(objects: Iterable[Any]) -> list[str]:
    found = []
    for obj in objects:
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key not in state.dict:  # never set or expired: nothing to write
                continue
            problem = value_problem(attr.columns[0], state.dict[attr.key])
            if problem:
                found.append(f"{attr.key} {problem}")
    return found


@event.listens_for(Session, "before_flush")
def _guard(session: Session, _context: Any, _instances: Any) -> None:
    refuse_problems(_problems([*session.new, *session.dirty]))
