"""Widely Deployed from the stored runs: the latest shared run of each cloud.

A *cloud* is a distinct ``cpid``; a run is *shared* when it is public: uploaded
anonymously, or shared by its owner (``runs.listed``, the community list). A
private run never counts, and a cloud whose latest shared run fails a capability
counts as failing it even when an older run passed.

Only what the decision needs is read: one windowed query picks the latest
shared run per cloud, the guideline's test names are looked up once in
``test_names``, and each run's packed test row is filtered down to those ids.
The pure decision (share, minimum number of clouds) is
:func:`refcore.core.evidence.deployed_marks`; its evidence holds counts only, and
no cpid leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refcore.core.evidence import (
    DEFAULT_MIN_CLOUDS,
    DEFAULT_SHARE,
    ComputedMark,
    RunRecord,
    deployed_marks,
)
from refcore.core.guidelines import Capability
from refcore.core.runs import Outcome
from refcore.storage.models import Run, RunTests, TestName
from refcore.storage.packing import unpack

__all__ = ["deployed", "latest_shared_runs", "run_records"]

_CHUNK = 400


def latest_shared_runs(session: Session) -> list[tuple[str, str, datetime]]:
    """(run id, cpid, created_at) of the latest shared run of every cloud."""
    rank = (
        func.row_number()
        .over(partition_by=Run.cpid, order_by=(Run.created_at.desc(), Run.id.desc()))
        .label("rank")
    )
    ranked = (
        select(Run.id, Run.cpid, Run.created_at, rank)
        .where(Run.listed.is_(True), Run.cpid.is_not(None), Run.cpid != "")
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.cpid, ranked.c.created_at).where(ranked.c.rank == 1)
    )
    return [(r.id, r.cpid, r.created_at) for r in rows]


def _wanted(capabilities: Mapping[str, Capability]) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    uuids: set[str] = set()
    for cap in capabilities.values():
        for test in cap.tests:
            names.update(test.names)
            if test.uuid:
                uuids.add(test.uuid)
    return names, uuids


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _relevant_names(
    session: Session, names: set[str], uuids: set[str]
) -> dict[int, frozenset[str]]:
    """test_names id -> the strings a run passing it reports (name, uuid), for the
    interned names the capabilities mention (by name or idempotent id)."""
    found: dict[int, frozenset[str]] = {}
    for column, values in ((TestName.name, names), (TestName.uuid, uuids)):
        for chunk in _chunks(values):
            rows = session.execute(
                select(TestName.id, TestName.name, TestName.uuid).where(column.in_(chunk))
            )
            for i, name, uuid in rows:
                found[i] = frozenset(s for s in (name, uuid) if s)
    return found


def run_records(session: Session, capabilities: Mapping[str, Capability]) -> list[RunRecord]:
    """One :class:`RunRecord` per cloud (its latest shared run), holding only the
    passed tests that ``capabilities`` ask about."""
    latest = latest_shared_runs(session)
    if not latest:
        return []
    relevant = _relevant_names(session, *_wanted(capabilities))
    passed: dict[str, set[str]] = {run_id: set() for run_id, _, _ in latest}
    for chunk in _chunks(passed):
        rows = session.execute(
            select(RunTests.run_id, RunTests.name_ids, RunTests.outcomes).where(
                RunTests.run_id.in_(chunk)
            )
        )
        for run_id, name_ids, outcomes in rows:
            into = passed[run_id]
            for i, outcome in unpack(name_ids, outcomes):
                if outcome is Outcome.PASS and i in relevant:
                    into.update(relevant[i])
    return [RunRecord(cpid, at, frozenset(passed[run_id])) for run_id, cpid, at in latest]


def deployed(
    session: Session,
    capabilities: Mapping[str, Capability],
    *,
    min_clouds: int = DEFAULT_MIN_CLOUDS,
    share: float = DEFAULT_SHARE,
) -> dict[str, ComputedMark]:
    """capability -> its "Widely Deployed" mark computed from the stored runs."""
    records = run_records(session, capabilities)
    return deployed_marks(capabilities, records, min_clouds=min_clouds, share=share)
