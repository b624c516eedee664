"""Queries by aggregate. Take a Session, return ORM rows or plain tuples; no HTTP here.

Test names are interned through :func:`intern_tests`, which keeps a per-database
cache of ids that are known to be committed (filled after each commit), so a
warm upload of 1,500 known tests costs no name query at all.
"""

from __future__ import annotations

import weakref
from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, delete, event, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from refcore.core.runs import Outcome
from refcore.storage.limits import refuse_problems, row_problems
from refcore.storage.models import (
    Base,
    Organization,
    OrgMember,
    Product,
    ProductVersion,
    Run,
    RunMeta,
    RunReport,
    RunTally,
    RunTests,
    TestName,
    User,
)
from refcore.storage.packing import pack_ids, pack_outcomes, unpack

__all__ = [
    "RunFilter",
    "forget_interned",
    "insert_rows",
    "intern_tests",
    "meta_for",
    "owners_openid",
    "run_tests",
    "runs_count",
    "runs_page",
    "store_reports",
    "store_tests",
    "versions_with_products",
]

_CHUNK = 400
# the fields of a (name, uuid, outcome) test, taken at C speed
_NAME, _UUID, _OUTCOME = itemgetter(0), itemgetter(1), itemgetter(2)


class _Interned:
    """The ids of (name, uuid) rows known to be committed in one database, both ways."""

    __slots__ = ("ids", "names")

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], int] = {}
        self.names: dict[int, tuple[str, str]] = {}

    def add(self, found: dict[tuple[str, str], int]) -> None:
        self.ids.update(found)
        self.names.update(zip(found.values(), found, strict=True))


# pool -> what is interned in that database
_interned: weakref.WeakKeyDictionary[Any, _Interned] = weakref.WeakKeyDictionary()
_PENDING = "refcore_interned_pending"


def _cache_for(session: Session) -> tuple[Any, _Interned]:
    pool = session.get_bind().engine.pool
    return pool, _cache_for_pool(pool)


def forget_interned() -> None:
    """Drop every cached id (tests that roll back committed work call this)."""
    _interned.clear()


@event.listens_for(Session, "after_commit")
def _publish_interned(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        pool, found = pending
        _cache_for_pool(pool).add(found)


def _cache_for_pool(pool: Any) -> _Interned:
    known = _interned.get(pool)
    if known is None:
        known = _interned.setdefault(pool, _Interned())
    return known


@event.listens_for(Session, "after_rollback")
def _drop_interned(session: Session) -> None:
    session.info.pop(_PENDING, None)


def intern_tests(session: Session, pairs: Sequence[tuple[str, str]]) -> list[int]:
    """Ids of (name, uuid) pairs, inserting the unknown ones (sorted, so concurrent
    uploads take row locks in one order and cannot deadlock)."""
    pool, cache = _cache_for(session)
    ids = list(map(cache.ids.get, pairs))
    if None not in ids:
        return ids  # type: ignore[return-value]  # no None: every pair was known
    missing = sorted({p for p, i in zip(pairs, ids, strict=True) if i is None})
    found: dict[tuple[str, str], int] = {}
    if missing:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            session.execute(
                insert(TestName).on_conflict_do_nothing(index_elements=["name", "uuid"]),
                [{"name": n, "uuid": u} for n, u in chunk],
            )
            rows = session.execute(
                select(TestName.id, TestName.name, TestName.uuid).where(
                    tuple_(TestName.name, TestName.uuid).in_(chunk)
                )
            )
            found.update({(n, u): i for i, n, u in rows})
        pending = session.info.setdefault(_PENDING, (pool, {}))[1]
        pending.update(found)
    return [i if i is not None else found[p] for p, i in zip(pairs, ids, strict=True)]


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """A Core insert of ``rows`` (values by column key) into ``model``'s table in the
    session's transaction, each row checked first as the flush guard checks an ORM row
    (:func:`refcore.storage.limits.row_problems`): an upload writes its run this way,
    without the unit of work's bookkeeping (a fifth of a warm upload's time)."""
    table = cast(Table, model.__table__)
    refuse_problems([p for row in rows for p in row_problems(table.columns, row)])
    session.connection().execute(table.insert(), rows)


def store_tests(
    session: Session,
    run_id: str,
    tests: Sequence[tuple[str, str, Outcome]],
    reasons: str | None,
    attempts: str | None = None,
) -> None:
    """Intern the names and write the run's one packed row (a Core insert)."""
    ids = intern_tests(session, list(zip(map(_NAME, tests), map(_UUID, tests), strict=True)))
    session.connection().execute(
        cast(Table, RunTests.__table__).insert(),
        [
            {
                "run_id": run_id,
                "name_ids": pack_ids(ids),
                "outcomes": pack_outcomes(list(map(_OUTCOME, tests))),
                "reasons": reasons,
                "attempts": attempts,
            }
        ],
    )


def run_attempts(session: Session, run_id: str) -> str | None:
    """The run's attempts JSON ({name: [outcome, ...]}), None when no test ran twice."""
    return session.scalar(select(RunTests.attempts).where(RunTests.run_id == run_id))


def run_tests(session: Session, run_id: str) -> tuple[list[tuple[str, str, Outcome]], str | None]:
    """(name, uuid, outcome) of every test of a run, in upload order, and the reasons JSON."""
    row = session.execute(
        select(RunTests.name_ids, RunTests.outcomes, RunTests.reasons).where(
            RunTests.run_id == run_id
        )
    ).one_or_none()
    if row is None:
        return [], None
    pairs = unpack(row.name_ids, row.outcomes)
    pool, cache = _cache_for(session)
    known: Mapping[int, tuple[str, str]] = cache.names
    wanted = sorted({i for i, _ in pairs if i not in known})
    if wanted:
        read: dict[tuple[str, str], int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for i, n, u in session.execute(
                select(TestName.id, TestName.name, TestName.uuid).where(TestName.id.in_(chunk))
            ):
                read[(n, u)] = i
        # rows this transaction has not written itself were committed by someone: kept
        pending = session.info.get(_PENDING)
        mine = set(pending[1].values()) if pending else set()
        cache.add({p: i for p, i in read.items() if i not in mine})
        if mine:  # and this transaction's own rows, for this answer only
            known = ChainMap({i: p for p, i in read.items() if i in mine}, cache.names)
    return [(*known[i], outcome) for i, outcome in pairs], row.reasons


def store_reports(
    session: Session, run_id: str, fingerprint: str, rows: Sequence[tuple[str, str, bool, str]]
) -> None:
    """Insert or replace the stored reports ``rows`` (guideline, target, meets, body) of a
    run, in one statement: a write as the transaction's first statement waits for
    SQLite's write lock (a read before it would make the upgrade fail at once when
    another writer got in first), and two writers of the same row both succeed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RunReport).values(
        [
            {
                "run_id": run_id,
                "guideline": guideline,
                "target": target,
                "fingerprint": fingerprint,
                "meets": meets,
                "body": body,
            }
            for guideline, target, meets, body in rows
        ]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["run_id", "guideline", "target"],
            set_={
                "fingerprint": stmt.excluded.fingerprint,
                "meets": stmt.excluded.meets,
                "body": stmt.excluded.body,
                "created_at": stmt.excluded.created_at,
            },
        )
    )


# -- listing ----------------------------------------------------------------------------------
@dataclass
class RunFilter:
    """What a list page shows. ``visible`` is the visibility clause the service built;
    ``listed`` restricts to the community list (anonymous or shared runs)."""

    visible: ColumnElement[bool] | None = None
    listed: bool = False
    cpid: str | None = None
    verification_status: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    version_ids: Sequence[str] | None = None
    #: runs whose ``guideline`` meta names this guideline (with or without ".json")
    claims_guideline: str | None = None
    #: runs whose ``target`` meta is this target
    claims_target: str | None = None

    @property
    def whole_community_list(self) -> bool:
        others = (
            self.visible,
            self.cpid,
            self.verification_status,
            self.start,
            self.end,
            self.version_ids,
            self.claims_guideline,
            self.claims_target,
        )
        return self.listed and all(x is None for x in others)

    @staticmethod
    def _meta(key: str, values: list[str]) -> ColumnElement[bool]:
        return (
            select(RunMeta.run_id)
            .where(RunMeta.run_id == Run.id, RunMeta.key == key, RunMeta.value.in_(values))
            .exists()
        )

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.visible is not None:
            query = query.where(self.visible)
        if self.listed:
            query = query.where(Run.listed.is_(True))
        if self.cpid is not None:
            query = query.where(Run.cpid == self.cpid)
        if self.verification_status is not None:
            query = query.where(Run.verification_status == self.verification_status)
        if self.start is not None:
            query = query.where(Run.created_at >= self.start)
        if self.end is not None:
            query = query.where(Run.created_at <= self.end)
        if self.version_ids is not None:
            query = query.where(Run.product_version_id.in_(list(self.version_ids)))
        if self.claims_guideline is not None:
            g = self.claims_guideline
            query = query.where(self._meta("guideline", [g, g + ".json"]))
        if self.claims_target is not None:
            query = query.where(self._meta("target", [self.claims_target]))
        return query


def runs_count(session: Session, flt: RunFilter) -> int:
    if flt.whole_community_list:  # the triggers' tally, not a count of every row
        return int(session.execute(select(func.sum(RunTally.listed))).scalar_one() or 0)
    return int(session.execute(flt.apply(select(func.count()).select_from(Run))).scalar_one())


def runs_page(session: Session, flt: RunFilter, offset: int, limit: int) -> list[Run]:
    query = flt.apply(select(Run)).order_by(Run.created_at.desc(), Run.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def meta_for(session: Session, run_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    ids = list(run_ids)
    if not ids:
        return out
    for run_id, key, value in session.execute(
        select(RunMeta.run_id, RunMeta.key, RunMeta.value).where(RunMeta.run_id.in_(ids))
    ):
        out.setdefault(run_id, {})[key] = value
    return out


def owners_openid(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.openid).where(User.id.in_(ids))).all()
    return dict(list(rows))  # a Result has .keys(), so dict(result) would misread it


def versions_with_products(
    session: Session, version_ids: Iterable[str | None]
) -> dict[str, tuple[ProductVersion, Product]]:
    ids = {i for i in version_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(ProductVersion, Product)
        .join(Product, Product.id == ProductVersion.product_id)
        .where(ProductVersion.id.in_(ids))
    )
    return {pv.id: (pv, p) for pv, p in rows.all()}


def org_ids_of(session: Session, user_id: int) -> list[tuple[str, int]]:
    """(org id, org type) of every organization the user administers."""
    return list(
        session.execute(
            select(Organization.id, Organization.type)
            .join(OrgMember, OrgMember.org_id == Organization.id)
            .where(OrgMember.user_id == user_id)
        ).all()
    )


def delete_run_rows(session: Session, run_id: str) -> None:
    """Children first, so SQLite databases without FK enforcement stay clean too."""
    for table in (RunTests, RunMeta, RunReport):
        session.execute(delete(table).where(table.run_id == run_id))
    session.execute(delete(Run).where(Run.id == run_id))
