"""The list queries: a page by deferred join (ids first, then the rows; from the oldest
end for a page of the older half) is the page of the plain ``ORDER BY created_at DESC,
id DESC OFFSET LIMIT``; the v2 list's count (the
tally plus the user's own unlisted runs) is a real count; a list row's stored report
outline is the stored body's ``meets`` and ``summary``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from refcore_testing import run_row
from sqlalchemy import func, insert, or_, select

from refcore.services import accounts
from refcore.storage import repositories as repo
from refcore.storage.models import Run, RunReport, utcnow


def _plain_page(session, flt: repo.RunFilter, offset: int, limit: int) -> list[str]:  # type: ignore[no-untyped-def]
    query = flt.apply(select(Run.id)).order_by(Run.created_at.desc(), Run.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def _runs(session, owner: int) -> None:  # type: ignore[no-untyped-def]
    """45 runs over 9 timestamps (ties broken by id), some unlisted and owned."""
    start = utcnow().replace(microsecond=0)
    rows = [
        run_row(
            created_at=start - timedelta(seconds=i % 9),
            listed=i % 4 != 0,
            owner_id=owner if i % 4 == 0 or i % 7 == 0 else None,
            cpid="c" if i % 3 == 0 else None,
        )
        for i in range(45)
    ]
    session.execute(insert(Run), rows)


@pytest.mark.parametrize("limit", [1, 7, 20])
def test_a_page_is_the_plain_ordered_page(db_session, limit) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.create_user(db_session, "lister").id
    _runs(db_session, owner)
    filters = [
        repo.RunFilter(listed=True),
        repo.RunFilter(listed=True, also_owner=owner),
        repo.RunFilter(listed=True, cpid="c"),
        repo.RunFilter(visible=Run.owner_id == owner),
        repo.RunFilter(),
    ]
    for flt in filters:
        total = repo.runs_count(db_session, flt)
        assert total > 0
        for offset in range(0, total + limit, limit):
            want = _plain_page(db_session, flt, offset, limit)
            assert [r.id for r in repo.runs_page(db_session, flt, offset, limit)] == want
            # counted: a page of the older half is taken from the oldest end
            got = [r.id for r in repo.runs_page(db_session, flt, offset, limit, total)]
            assert got == want, (flt, offset)


def test_the_v2_count_is_a_real_count(db_session) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.create_user(db_session, "counter").id
    _runs(db_session, owner)
    flt = repo.RunFilter(listed=True, also_owner=owner)
    assert not flt.whole_community_list
    real = db_session.scalar(
        select(func.count())
        .select_from(Run)
        .where(or_(Run.listed.is_(True), Run.owner_id == owner))
    )
    assert repo.runs_count(db_session, flt) == real
    assert repo.runs_count(db_session, repo.RunFilter(listed=True, also_owner=-1)) == (
        repo.runs_count(db_session, repo.RunFilter(listed=True))
    )


def test_stored_outlines_are_the_bodies_meets_and_summary(db_session) -> None:  # type: ignore[no-untyped-def]
    ids = [str(r["id"]) for r in [run_row(), run_row()]]
    db_session.execute(insert(Run), [run_row(id=i) for i in ids])
    summary = {"nonFlagRequiredPassPercent": 42.5, "nonFlagPassCount": 17, "meets": True}
    body = json.dumps({"run_id": ids[0], "meets": True, "summary": summary, "tests": ["x"] * 50})
    repo.store_reports(
        db_session,
        ids[0],
        "f1",
        [("2020.06", "platform", True, body), ("*", "*", True, json.dumps({"all": []}))],
    )
    repo.store_reports(db_session, ids[1], "f0", [("2020.06", "platform", False, body)])
    keys = [(ids[0], "2020.06", "platform"), (ids[0], "*", "*"), (ids[1], "2020.06", "platform")]
    outlines = repo.stored_outlines(db_session, keys, "f1")
    # the meets summary has no summary; the other run's report is of another fingerprint
    assert list(outlines) == [keys[0]]
    meets, text = outlines[keys[0]]
    assert meets is True and json.loads(text) == summary
    stored = db_session.scalar(
        select(RunReport.summary).where(RunReport.run_id == ids[0], RunReport.guideline == "*")
    )
    assert stored is None
    assert repo.stored_outlines(db_session, [], "f1") == {}
