"""The flush guard: a row the ORM is about to write is checked against its columns, so
SQLite and PostgreSQL refuse the same values with the same 400 and write nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from refcore.errors import InvalidInput
from refcore.storage.limits import INT32, INT64, int_range, max_length
from refcore.storage.models import Organization, Run, RunMeta, RunTally, TestName


def test_limits_are_read_from_the_columns() -> None:
    assert max_length(Run.cpid) == 128
    assert max_length(TestName.name) == 512
    assert max_length(RunMeta.value) == 255  # a Text column with info["max_length"]
    assert max_length(Organization.description) is None
    assert int_range(Run.duration_seconds) == INT32
    assert int_range(RunTally.listed) == INT64


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", "n" * 81, "name is longer than 80 characters"),
        ("name", "a\x00b", "name contains a NUL character"),
        ("description", "d\ud800", "description is not valid Unicode"),
        ("type", 2**31, "type is out of range"),
    ],
)
def test_a_bad_row_is_refused_before_the_database(
    db_session, field: str, value: object, words: str
) -> None:  # type: ignore[no-untyped-def]
    before = db_session.scalar(select(func.count()).select_from(Organization))
    org = Organization(id=str(uuid.uuid4()), type=1, name="ok")
    setattr(org, field, value)
    db_session.add(org)
    with pytest.raises(InvalidInput, match=words):
        db_session.flush()
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Organization)) == before


def test_a_row_at_the_limits_is_written(db_session) -> None:  # type: ignore[no-untyped-def]
    org = Organization(
        id=str(uuid.uuid4()), type=2**31 - 1, name="n" * 80, description="d" * 10_000
    )
    db_session.add(org)
    db_session.flush()
    assert db_session.get(Organization, org.id).name == "n" * 80
