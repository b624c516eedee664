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
    repo.forget_interned()  # as another process: the rows are there, their ids unknown
    again = repo.intern_tests(
        db_session,
        [
            ("tempest.b", "0146f675-ffbd-4208-b3a4-60eb628dbc5e"),
            ("tempest.c", ""),
            ("tempest.a", "x"),
        ],
    )
    assert again[0] == first[1] and len({*first, *again}) == 4
    count = db_session.scalar(select(func.count()).select_from(TestName))
    assert count == 4


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


def test_a_runs_names_are_read_once_and_never_from_a_rolled_back_write(database) -> None:  # type: ignore[no-untyped-def]
    """``run_tests`` keeps the names it reads (committed by anyone) for the next read of
    any run, but never the rows of a transaction that is rolled back."""
    import uuid

    from refcore_testing import run_row
    from sqlalchemy import event

    from refcore.storage.models import Run

    tag = uuid.uuid4().hex[:8]
    tests = [(f"tempest.{tag}.a", "", Outcome.PASS), (f"tempest.{tag}.b", tag, Outcome.FAIL)]
    name_reads: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "FROM test_names" in statement:
            name_reads.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        # written and read back in one transaction, then rolled back: nothing kept
        with database.session(write=True) as session:
            lost = run_row()
            repo.insert_rows(session, Run, [lost])
            repo.store_tests(session, lost["id"], tests, None)
            assert repo.run_tests(session, lost["id"])[0] == tests
            session.rollback()
        with database.session(write=True) as session:  # had the lost ids been kept, this
            kept = run_row()  # run would point at names that do not exist
            repo.insert_rows(session, Run, [kept])
            repo.store_tests(session, kept["id"], tests, None)
            session.commit()
        repo.forget_interned()  # another process's view: nothing known
        with database.session() as session:
            name_reads.clear()
            assert repo.run_tests(session, kept["id"])[0] == tests
            assert len(name_reads) == 1  # read from the database once...
            assert repo.run_tests(session, kept["id"])[0] == tests
            assert len(name_reads) == 1  # ...then known
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
        repo.forget_interned()
