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

import msgspec
from sqlalchemy import ColumnElement, Select, Table, and_, delete, event, func, or_, select
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
    "stored_outlines",
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


def _any_of(columns: Sequence[Any], keys: Iterable[Sequence[Any]]) -> ColumnElement[bool]:
    """Rows whose ``columns`` equal one of ``keys``, as an OR of ANDs: each key is then
    one look-up in an index on those columns, on SQLite too, which scans the whole table
    for ``(a, b) IN (...)`` (EXPLAIN QUERY PLAN: SCAN), and PostgreSQL ORs the look-ups.
    For the keys of rows that are not there yet (interning); building it costs ~4 µs a
    key."""
    return or_(*(and_(*(c == v for c, v in zip(columns, key, strict=True))) for key in keys))


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
        table = cast(Table, TestName.__table__)
        add = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["name", "uuid"])
            .returning(table.c.id, table.c.name, table.c.uuid)
        )
        conn = session.connection()
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            # the new rows come back from the insert itself; only those already there
            # (another upload's) are looked up, in the (name, uuid) index
            rows = conn.execute(add, [{"name": n, "uuid": u} for n, u in chunk])
            found.update({(n, u): i for i, n, u in rows})
            there = [p for p in chunk if p not in found]
            if there:
                rows = conn.execute(
                    select(table.c.id, table.c.name, table.c.uuid).where(
                        _any_of((table.c.name, table.c.uuid), there)
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


class _Summary(msgspec.Struct):
    """A stored report body's ``summary`` object, undecoded (the rest is skipped)."""

    summary: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


_SUMMARY = msgspec.json.Decoder(_Summary)


def _summary_of(body: str) -> str | None:
    """The ``summary`` of a report body as it is written there (None for a body
    without one: the meets summary, ``guideline`` "*")."""
    raw = bytes(_SUMMARY.decode(body).summary)
    return raw.decode() if raw else None


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
                "summary": _summary_of(body),
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
                "summary": stmt.excluded.summary,
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
    #: with ``listed``: this user's own runs too, listed or not (v2's list for a user)
    also_owner: int | None = None
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
        return self.listed and self.also_owner is None and self.unfiltered

    @property
    def unfiltered(self) -> bool:
        """Nothing but ``listed`` (and ``also_owner``) narrows the list."""
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
        return all(x is None for x in others)

    def visibility(self) -> ColumnElement[bool] | None:
        """The clause of ``listed`` and ``also_owner`` (None: they narrow nothing)."""
        if not self.listed:
            return None
        if self.also_owner is None:
            return Run.listed.is_(True)
        return or_(Run.listed.is_(True), Run.owner_id == self.also_owner)

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
        shown = self.visibility()
        if shown is not None:
            query = query.where(shown)
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
    if flt.listed and flt.unfiltered:  # the triggers' tally, not a count of every row
        listed = int(session.execute(select(func.sum(RunTally.listed))).scalar_one() or 0)
        if flt.also_owner is None:
            return listed
        own = select(func.count()).where(Run.owner_id == flt.also_owner, Run.listed.is_(False))
        return listed + int(session.execute(own).scalar_one())
    return int(session.execute(flt.apply(select(func.count()).select_from(Run))).scalar_one())


def runs_page(
    session: Session, flt: RunFilter, offset: int, limit: int, total: int | None = None
) -> list[Run]:
    """The runs at ``offset`` .. ``offset + limit`` of the list, newest first.

    A deferred join: the page's ids are chosen first, on an index alone where one
    covers the filter and the order (``ix_runs_listed_created_id`` for the community
    list: the ``offset`` rows skipped are index entries, never table rows), then only
    those runs are read, by primary key. ``total``, the list's length when the caller
    has counted it (:func:`runs_count`), lets a page of the older half be taken from
    the oldest end, so at most half the list is skipped, and a page past the end cost
    nothing."""
    newest_first = (Run.created_at.desc(), Run.id.desc())
    order, skip, take = newest_first, offset, limit
    if total is not None:
        if offset >= total:
            return []
        after = total - offset - limit  # runs older than the page
        if after < offset:  # nearer the oldest end: count from there
            order = (Run.created_at.asc(), Run.id.asc())
            skip, take = max(after, 0), limit + min(after, 0)
    ids = flt.apply(select(Run.id)).order_by(*order).offset(skip).limit(take).subquery()
    return list(session.scalars(select(Run).join(ids, Run.id == ids.c.id).order_by(*newest_first)))


def stored_outlines(
    session: Session, keys: Sequence[tuple[str, str, str]], fingerprint: str
) -> dict[tuple[str, str, str], tuple[bool, str]]:
    """(meets, the summary as JSON) of the stored reports of some (run id, guideline,
    target) keys, in one query and without their bodies; only rows computed under
    ``fingerprint`` and stored with their summary (a key left out has none). The runs'
    rows are read by run id (the key's first column: an index range each; a run has a
    row per guideline x target viewed) and the keys picked here: a ``(run_id, guideline,
    target) IN (...)`` list is a scan of the whole table on SQLite, and an OR of 20
    three-column ANDs costs more to build than to run."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = session.execute(
        select(
            RunReport.run_id,
            RunReport.guideline,
            RunReport.target,
            RunReport.meets,
            RunReport.summary,
        ).where(
            RunReport.run_id.in_(sorted({run_id for run_id, _, _ in wanted})),
            RunReport.fingerprint == fingerprint,
            RunReport.summary.is_not(None),
        )
    )
    return {
        (r, g, t): (meets, summary)
        for r, g, t, meets, summary in rows
        if summary is not None and (r, g, t) in wanted
    }


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
