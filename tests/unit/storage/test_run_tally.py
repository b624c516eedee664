"""The listed-runs tally (migration 0003's triggers) stays equal to a real count,
whatever writes ``runs``: the ORM, a Core bulk insert, an update of ``listed``, a delete."""

from __future__ import annotations

import random

import pytest
from refcore_testing import run_row
from sqlalchemy import column, delete, func, insert, select, table, update

from refcore.storage import repositories as repo
from refcore.storage.models import Run, RunTally


def _counted(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    real = session.scalar(select(func.count()).select_from(Run).where(Run.listed.is_(True)))
    return int(session.scalar(select(func.sum(RunTally.listed))) or 0), int(real or 0)


def test_tally_follows_every_kind_of_write(db_session) -> None:  # type: ignore[no-untyped-def]
    rnd = random.Random(20261201)
    ids: list[str] = []
    for step in range(60):
        action = rnd.choice(["orm", "bulk", "toggle", "delete"] if ids else ["orm", "bulk"])
        if action == "orm":
            run = Run(**run_row(listed=rnd.random() < 0.5))
            db_session.add(run)
            db_session.flush()
            ids.append(run.id)
        elif action == "bulk":
            rows = [run_row(listed=rnd.random() < 0.5) for _ in range(rnd.randint(1, 30))]
            db_session.execute(insert(Run), rows)
            ids += [str(r["id"]) for r in rows]
        elif action == "toggle":
            chosen = rnd.sample(ids, min(len(ids), rnd.randint(1, 10)))
            db_session.execute(
                update(Run).where(Run.id.in_(chosen)).values(listed=rnd.random() < 0.5)
            )
        else:
            chosen = rnd.sample(ids, min(len(ids), rnd.randint(1, 5)))
            db_session.execute(delete(Run).where(Run.id.in_(chosen)))
            ids = [i for i in ids if i not in chosen]
        tally, real = _counted(db_session)
        assert tally == real, f"step {step} ({action})"
    assert real > 0  # the sequence did list some runs
    # the community list's count is the tally; any other filter counts rows
    assert repo.runs_count(db_session, repo.RunFilter(listed=True)) == real
    assert repo.runs_count(db_session, repo.RunFilter(listed=True, cpid="")) == 0


@pytest.mark.parametrize(
    "filters", [{"cpid": "x"}, {"verification_status": 1}, {"version_ids": []}]
)
def test_only_the_plain_community_list_reads_the_tally(filters) -> None:  # type: ignore[no-untyped-def]
    assert repo.RunFilter(listed=True).whole_community_list
    assert not repo.RunFilter(listed=True, **filters).whole_community_list
    assert not repo.RunFilter(listed=False).whole_community_list


def test_migration_counts_the_runs_already_stored(db_kind, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from refcore_testing import _fresh_database

    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    url, cleanup = _fresh_database(db_kind, "tally", tmp_path_factory)
    db = Database.from_url(url)
    try:
        upgrade(db.engine, "0002")
        rows = [run_row(listed=i % 3 != 0) for i in range(30)]  # 20 listed
        # the columns runs had at 0002, not the model's (later migrations add some)
        runs_0002 = table("runs", *(column(name) for name in rows[0]))
        with db.engine.begin() as conn:
            conn.execute(insert(runs_0002), rows)
        upgrade(db.engine)
        with db.read() as session:
            assert _counted(session) == (20, 20)
            shards = session.scalars(select(RunTally.shard).order_by(RunTally.shard)).all()
            assert shards == list(range(16))
    finally:
        db.dispose()
        cleanup()
