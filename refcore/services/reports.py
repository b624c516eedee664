"""Server-side compliance reports: computed once per (run, guideline, target), kept
in ``run_reports`` as JSON, and served from there to the v2 API and the web report
page alike (one computation, one representation: the page and ``/v2`` cannot differ).

The stored body is returned as it is, so a cached report costs one primary-key
read and no JSON work.

Staleness: a run's tests never change after upload, so a stored report depends only
on the guideline set and on the code that evaluates it. Each row carries
:func:`cache_key`: the guideline source's fingerprint (for
:class:`~refcore.services.guidelines.LoadedSource` the path, size and mtime of every
guideline, schema and sections file plus the parser's code; the server loads its
source once per process, so an edited source is read at the next start and brings a
new fingerprint) combined with a digest of the evaluation code (``core.compliance``
and this module). A row whose key differs is recomputed and overwritten on its
next read; nothing else invalidates, because nothing else can change the answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.core import compliance
from refcore.core.compliance import RunIndex, evaluate
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.errors import GuidelineNotFound
from refcore.services import testruns
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.services.runs_read import get_run
from refcore.services.testruns import load_testrun
from refcore.storage.models import Run, RunReport
from refcore.version import __version__

__all__ = [
    "MEETS_KINDS",
    "cache_key",
    "choose",
    "meets",
    "meets_data",
    "report",
    "report_data",
    "stored_report_data",
]

ALL = "*"

#: kinds of guideline a run is checked against for "meets" (not drafts, not legacy)
MEETS_KINDS = ("powered", "add-on", "vertical")


def _code_digest() -> str:
    """The evaluation code's identity: a changed evaluator must not serve old reports."""
    h = hashlib.sha256(__version__.encode())
    for module in (compliance, testruns, sys.modules[__name__]):
        # not a plain file (zipped install): the version alone
        with contextlib.suppress(OSError):
            h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()


_CODE = _code_digest()


def cache_key(source: GuidelineSource) -> str:
    """What a stored report was computed from (64 hex chars, the column's width)."""
    return hashlib.sha256(f"{source.fingerprint}\0{_CODE}".encode()).hexdigest()


def choose(
    gs: GuidelineSet, meta: dict[str, str], guideline: str | None, target: str | None
) -> tuple[Guideline, str, str | None]:
    """The guideline and target a run is shown against when the visitor does not say:
    the run's ``guideline`` meta, else the latest approved powered guideline; the
    ``target`` meta, else ``platform`` (RefStack's report does the same with its
    second-newest file). Returns (guideline, target, a note when a wish could not be
    honoured). A guideline asked for explicitly and unknown raises GuidelineNotFound."""
    chosen = guideline or meta.get("guideline")
    try:
        g = gs[chosen] if chosen else None
    except GuidelineNotFound:
        if guideline:  # asked for explicitly: say so
            raise
        g = None
    g = g or gs.latest_approved() or next(iter(gs.values()))
    t = target or meta.get("target") or "platform"
    note = None
    if t not in g.targets:
        fallback = next(iter(g.targets))
        note = f"Guideline {g.id} has no target {t}; showing {fallback}."
        t = fallback
    return g, t, note


def _cached(
    session: Session, run_id: str, guideline: str, target: str, fingerprint: str
) -> str | None:
    row = session.execute(
        select(RunReport.body, RunReport.fingerprint).where(
            RunReport.run_id == run_id, RunReport.guideline == guideline, RunReport.target == target
        )
    ).one_or_none()
    return row.body if row is not None and row.fingerprint == fingerprint else None


def _store(
    session: Session,
    run_id: str,
    guideline: str,
    target: str,
    fingerprint: str,
    meets_: bool,
    body: str,
) -> None:
    # end the read transaction first: on SQLite a write as the first statement of a
    # transaction waits for the lock, a read-then-write upgrade may fail at once
    session.rollback()
    row = session.get(RunReport, (run_id, guideline, target))
    if row is None:
        session.add(
            RunReport(
                run_id=run_id,
                guideline=guideline,
                target=target,
                fingerprint=fingerprint,
                meets=meets_,
                body=body,
            )
        )
    else:
        row.fingerprint, row.meets, row.body = fingerprint, meets_, body
    try:
        session.commit()
    except IntegrityError:  # another request stored the same report first
        session.rollback()


def _report(
    session: Session,
    actor: Actor,
    run_id: str,
    source: GuidelineSource,
    guideline: str,
    target: str,
) -> tuple[str | None, dict[str, Any] | None]:
    """(the stored body, None) when cached, else (None, the freshly computed report)."""
    run, _ = get_run(session, actor, run_id)
    return _report_of(session, run, source, guideline, target)


def _report_of(
    session: Session, run: Run, source: GuidelineSource, guideline: str, target: str
) -> tuple[str | None, dict[str, Any] | None]:
    gs = source.get()
    g = gs[guideline]
    g.target(target)  # UnknownTarget before any work
    fingerprint = cache_key(source)
    body = _cached(session, run.id, g.id, target, fingerprint)
    if body is not None:
        return body, None
    result = evaluate(load_testrun(session, run), g, target)
    data = {"run_id": run.id, **result.to_dict()}
    _store(session, run.id, g.id, target, fingerprint, result.meets, json.dumps(data))
    return None, data


def report(
    session: Session,
    actor: Actor,
    run_id: str,
    source: GuidelineSource,
    guideline: str,
    target: str = "platform",
) -> str:
    """The compliance report of a run as JSON text (the API serves it as it is);
    raises NotFound/Unauthorized/GuidelineNotFound/UnknownTarget."""
    body, data = _report(session, actor, run_id, source, guideline, target)
    return body if body is not None else json.dumps(data)


def report_data(
    session: Session,
    actor: Actor,
    run_id: str,
    source: GuidelineSource,
    guideline: str,
    target: str = "platform",
) -> dict[str, Any]:
    """The same report as :func:`report`, as data (for pages and downloads)."""
    body, data = _report(session, actor, run_id, source, guideline, target)
    return data if data is not None else json.loads(body or "{}")


def stored_report_data(
    session: Session, run: Run, source: GuidelineSource, guideline: str, target: str
) -> dict[str, Any]:
    """The same report for a run the caller was already allowed to read (a registered
    cloud's history checks access to the cloud, not to each of its runs)."""
    body, data = _report_of(session, run, source, guideline, target)
    return data if data is not None else json.loads(body or "{}")


def _meets(
    session: Session, actor: Actor, run_id: str, source: GuidelineSource
) -> tuple[str | None, dict[str, Any] | None]:
    run, _ = get_run(session, actor, run_id)
    fingerprint = cache_key(source)
    body = _cached(session, run.id, ALL, ALL, fingerprint)
    if body is not None:
        return body, None
    index = RunIndex(load_testrun(session, run))
    rows: list[dict[str, Any]] = []
    for g in source.get().values():
        if g.kind not in MEETS_KINDS:
            continue
        for target in g.targets:
            r = evaluate(index, g, target)
            rows.append(
                {
                    "guideline": g.id,
                    "target": target,
                    "meets": r.meets,
                    "status": g.status,
                    "required_pass_percent": r.figures.get("requiredPassPercent"),
                    # RefStack's figure, the one "meets" rests on (flagged tests left out)
                    "non_flag_pass_percent": r.figures.get("nonFlagRequiredPassPercent"),
                }
            )
    data = {"run_id": run.id, "meets": [r for r in rows if r["meets"]], "all": rows}
    _store(session, run.id, ALL, ALL, fingerprint, any(r["meets"] for r in rows), json.dumps(data))
    return None, data


def meets(session: Session, actor: Actor, run_id: str, source: GuidelineSource) -> str:
    """Every powered/add-on/vertical guideline x target with whether the run meets it
    (JSON text: ``meets`` lists the met ones, ``all`` every one), computed once."""
    body, data = _meets(session, actor, run_id, source)
    return body if body is not None else json.dumps(data)


def meets_data(
    session: Session, actor: Actor, run_id: str, source: GuidelineSource
) -> dict[str, Any]:
    """The same as :func:`meets`, as data."""
    body, data = _meets(session, actor, run_id, source)
    return data if data is not None else json.loads(body or "{}")
