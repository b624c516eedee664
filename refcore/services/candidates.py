"""Must-pass candidates from the stored runs (:mod:`refcore.core.candidates`): the latest
verified run of each product, chosen in the database, with every test it passed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refcore.core.candidates import find_candidates
from refcore.core.evidence import DEFAULT_K, RunRecord
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.errors import ScoringError
from refcore.services.deployment import WINDOW, latest_verified_runs
from refcore.services.scoring import recorded_marks
from refcore.storage.models import RunTests, TestName, utcnow
from refcore.storage.packing import passed_ids

__all__ = ["candidates"]

_CHUNK = 400


def _passed_names(
    session: Session, run_ids: list[str]
) -> tuple[dict[str, set[int]], dict[int, tuple[str, str | None]]]:
    passed: dict[str, set[int]] = {}
    for start in range(0, len(run_ids), _CHUNK):
        chunk = run_ids[start : start + _CHUNK]
        rows = session.execute(
            select(RunTests.run_id, RunTests.name_ids, RunTests.outcomes).where(
                RunTests.run_id.in_(chunk)
            )
        )
        for run_id, name_ids, outcomes in rows:
            passed[run_id] = set(passed_ids(name_ids, outcomes))
    ids: list[int] = sorted(set().union(*passed.values())) if passed else []
    names: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        wanted = ids[start : start + _CHUNK]
        for i, name, uuid in session.execute(
            select(TestName.id, TestName.name, TestName.uuid).where(TestName.id.in_(wanted))
        ):
            names[i] = (name, uuid)
    return passed, names


def candidates(
    session: Session,
    guideline: Guideline,
    guidelines: GuidelineSet,
    *,
    k: int = DEFAULT_K,
    margin: int = 10,
    listing: list[str] | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """The candidate report for the guideline after ``guideline``."""
    if k < DEFAULT_K:
        raise ScoringError(f"k {k} is below {DEFAULT_K}: fewer vendors could identify one")
    verified = latest_verified_runs(session, since if since is not None else utcnow() - WINDOW)
    passed, names = _passed_names(session, [r[0] for r in verified])
    records = []
    uuids: dict[str, str] = {}
    for run_id, cpid, product, vendor, at in verified:
        tests = set()
        for i in passed.get(run_id, ()):
            name, uuid = names[i]
            tests.add(name)
            if uuid:
                uuids[name] = uuid
        records.append(RunRecord(cpid, at, frozenset(tests), product=product, vendor=vendor))
    report = find_candidates(
        guideline,
        guidelines,
        records,
        recorded_marks(guideline),
        k=k,
        margin=margin,
        listing=listing,
        uuids=uuids,
    )
    body = report.to_dict()
    body["window_days"] = WINDOW.days
    return body
