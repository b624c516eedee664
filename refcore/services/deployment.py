"""Widely Deployed from the stored runs, counted by who stands behind them.

A **verified product** is a product whose run the Foundation verified
(``verification_status`` 1, associated with one of its versions); its latest verified run
in the window speaks for it, and its vendor is the product's organization. Those are what
the mark is decided on (:func:`refcore.core.evidence.deployed_marks`, with k-anonymity over
vendors). **Unverified** evidence, the clouds (``cpid``) with shared runs (``runs.listed``:
anonymous or shared by its owner) and no verified run, is only counted, in the database
(:func:`unverified_clouds`), and never moves a criterion: anyone can invent cpids. No
unverified run is read, so 100k anonymous uploads cost one ``COUNT``.

Only what the decision needs is read: one windowed query picks the latest
shared run per cloud, the guideline's test names are looked up once in
``test_names``, and each run's packed test row is filtered down to those ids.
The pure decision (share, minimum number of clouds) is
:func:`refcore.core.evidence.deployed_marks`; its evidence holds counts only, and
no cpid leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refcore.core.evidence import (
    DEFAULT_K,
    DEFAULT_SHARE,
    ComputedMark,
    RunRecord,
    deployed_marks,
)
from refcore.core.guidelines import Capability
from refcore.storage.models import Product, ProductVersion, Run, RunTests, TestName, utcnow
from refcore.storage.packing import passed_ids

__all__ = [
    "WINDOW",
    "deployed",
    "latest_shared_runs",
    "latest_verified_runs",
    "run_records",
    "unverified_clouds",
]

_CHUNK = 400
#: runs older than this do not count (about the life of two guidelines)
WINDOW = timedelta(days=730)


def latest_shared_runs(
    session: Session, since: datetime | None = None
) -> list[tuple[str, str, datetime]]:
    """(run id, cpid, created_at) of the latest shared, unverified run of every cloud."""
    rank = (
        func.row_number()
        .over(partition_by=Run.cpid, order_by=(Run.created_at.desc(), Run.id.desc()))
        .label("rank")
    )
    query = select(Run.id, Run.cpid, Run.created_at, rank).where(
        Run.listed.is_(True), Run.cpid.is_not(None), Run.cpid != "", Run.verification_status != 1
    )
    if since is not None:
        query = query.where(Run.created_at >= since)
    ranked = query.subquery()
    rows = session.execute(
        select(ranked.c.id, ranked.c.cpid, ranked.c.created_at).where(ranked.c.rank == 1)
    )
    return [(r.id, r.cpid, r.created_at) for r in rows]


def unverified_clouds(session: Session, since: datetime | None = None) -> int:
    """How many clouds shared runs in the window with none of them verified."""
    query = select(func.count(func.distinct(Run.cpid))).where(
        Run.listed.is_(True), Run.cpid.is_not(None), Run.cpid != "", Run.verification_status != 1
    )
    if since is not None:
        query = query.where(Run.created_at >= since)
    return int(session.scalar(query) or 0)


def latest_verified_runs(
    session: Session, since: datetime | None = None
) -> list[tuple[str, str, str, str, datetime]]:
    """(run id, cpid, product id, vendor id, created_at): the latest verified run of every
    product (over all its versions), in the database."""
    rank = (
        func.row_number()
        .over(partition_by=Product.id, order_by=(Run.created_at.desc(), Run.id.desc()))
        .label("rank")
    )
    query = (
        select(
            Run.id,
            Run.cpid,
            Product.id.label("product"),
            Product.organization_id.label("vendor"),
            Run.created_at,
            rank,
        )
        .join(ProductVersion, ProductVersion.id == Run.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .where(Run.verification_status == 1)
    )
    if since is not None:
        query = query.where(Run.created_at >= since)
    ranked = query.subquery()
    rows = session.execute(select(ranked).where(ranked.c.rank == 1))
    return [(r.id, r.cpid or "", r.product, r.vendor, r.created_at) for r in rows]


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


def run_records(
    session: Session,
    capabilities: Mapping[str, Capability],
    *,
    since: datetime | None = None,
) -> list[RunRecord]:
    """One :class:`RunRecord` per verified product (its latest verified run in the window,
    default :data:`WINDOW`), holding only the passed tests that ``capabilities`` ask about."""
    since = since if since is not None else utcnow() - WINDOW
    verified = latest_verified_runs(session, since)
    if not verified:
        return []
    relevant = _relevant_names(session, *_wanted(capabilities))
    passed: dict[str, set[str]] = {r[0]: set() for r in verified}
    for chunk in _chunks(passed):
        rows = session.execute(
            select(RunTests.run_id, RunTests.name_ids, RunTests.outcomes).where(
                RunTests.run_id.in_(chunk)
            )
        )
        for run_id, name_ids, outcomes in rows:
            into = passed[run_id]
            for i in relevant.keys() & set(passed_ids(name_ids, outcomes)):
                into.update(relevant[i])
    return [
        RunRecord(cpid, at, frozenset(passed[run_id]), product=product, vendor=vendor)
        for run_id, cpid, product, vendor, at in verified
    ]


def deployed(
    session: Session,
    capabilities: Mapping[str, Capability],
    *,
    k: int = DEFAULT_K,
    share: float = DEFAULT_SHARE,
) -> dict[str, ComputedMark]:
    """capability -> its "Widely Deployed" mark computed from the stored runs."""
    records = run_records(session, capabilities)
    return deployed_marks(capabilities, records, k=k, share=share)
