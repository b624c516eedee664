"""Storage: migrations agree with the models (alembic check), packing, name interning."""

from __future__ import annotations

from sqlalchemy import func, select

from refcore.core.runs import Outcome
from refcore.storage import migrate
from refcore.storage import repositories as repo
from refcore.storage.models import TestName
from refcore.storage.packing import pack_ids, pack_outcomes, unpack


def test_migrations_are_at_head_and_match_the_models(database) -> None:  # type: ignore[no-untyped-def]
    assert migrate.current(database.engine) == migrate.head()
    assert migrate.check(database.engine) == []


def test_upgrade_is_idempotent(database) -> None:  # type: ignore[no-untyped-def]
    migrate.upgrade(database.engine)
    assert migrate.current(database.engine) == migrate.head()


def test_packing_round_trips() -> None:
    ids = [1, 70000, 2**32 - 1, 5]
    outcomes = [Outcome.PASS, Outcome.FAIL, Outcome.SKIP, Outcome.ERROR]
    packed = pack_ids(ids)
    assert len(packed) == 16 and packed[:4] == b"\x01\x00\x00\x00"  # little-endian uint32
    assert unpack(packed, pack_outcomes(outcomes)) == list(zip(ids, outcomes, strict=True))


def test_interning_reuses_ids(db_session) -> None:  # type: ignore[no-untyped-def]
    pairs = [
        ("tempest.a", ""),
        ("tempest.b", "0146f675-ffbd-4208-b3a4-60eb628dbc5e"),
        ("tempest.a", ""),
    ]
    first = repo.intern_tests(db_session, pairs)
    assert first[0] == first[2] and first[0] != first[1]
    db_session.commit()
    again = repo.intern_tests(
        db_session, [("tempest.b", "0146f675-ffbd-4208-b3a4-60eb628dbc5e"), ("tempest.c", "")]
    )
    assert again[0] == first[1]
    count = db_session.scalar(select(func.count()).select_from(TestName))
    assert count == 3


def test_passed_ids_are_the_passes_of_unpack() -> None:
    import random

    from refcore.core.runs import Outcome
    from refcore.storage.packing import pack_ids, pack_outcomes, passed_ids, unpack

    rng = random.Random(3)
    ids = rng.sample(range(1, 10**6), 2000)
    outcomes = [rng.choice(list(Outcome)) for _ in ids]
    name_ids, codes = pack_ids(ids), pack_outcomes(outcomes)
    expected = [i for i, o in unpack(name_ids, codes) if o is Outcome.PASS]
    assert passed_ids(name_ids, codes) == expected and 0 < len(expected) < len(ids)
