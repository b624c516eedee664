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

First view: :func:`prepare` computes, once per run and key, what the first view of a
run's report page reads (the "meets" summary and the latest approved guideline's
report for each of its targets) and stores it in the same rows, so that view is a read
like every later one. The server calls it after an upload has committed, off the
request path (:mod:`refcore.server.preparer`); a report it has not prepared (another
guideline, a restart before it got there) is computed on its first read, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.core import compliance
from refcore.core.compliance import RunIndex, evaluate, required_figures
from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.errors import GuidelineNotFound
from refcore.services import testruns
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.services.runs_read import get_run
from refcore.services.testruns import load_testrun
from refcore.storage import repositories as repo
from refcore.storage.models import Run, RunReport
from refcore.version import __version__

__all__ = [
    "MEETS_KINDS",
    "cache_key",
    "choose",
    "meets",
    "meets_data",
    "prepare",
    "report",
    "report_data",
    "stored_outlines",
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


def stored_outlines(
    session: Session, keys: Sequence[tuple[str, str, str]], source: GuidelineSource
) -> dict[tuple[str, str, str], tuple[bool, str]]:
    """(meets, the summary as JSON) of the stored reports of (run id, guideline, target)
    keys that are current (computed under :func:`cache_key`, as :func:`_cached` takes
    them), in one query; a key left out has none yet (a list page computes it)."""
    return repo.stored_outlines(session, keys, cache_key(source))


def _decoded(body: str | None) -> dict[str, Any]:
    """A stored body as data: msgspec reads a 125 KB report in a fifth of ``json``'s
    time (a fifth of the report page was ``json.loads``); what it refuses and ``json``
    takes (``NaN``, which ``json.dumps`` writes) goes to ``json``."""
    if not body:
        return {}
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        data = json.loads(body)
    return data if isinstance(data, dict) else {}


#: one stored report: (guideline, target, meets, JSON body)
_Row = tuple[str, str, bool, str]


def _store(session: Session, run_id: str, fingerprint: str, rows: Sequence[_Row]) -> None:
    """Write ``rows`` of one run in one transaction (a row already there is replaced)."""
    session.rollback()  # end the read transaction: the write is the next one's first statement
    try:
        repo.store_reports(session, run_id, fingerprint, rows)
        session.commit()
    except IntegrityError:  # the run was deleted meanwhile: nothing to keep
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
    return _stored_report(session, run, source, guideline, target)


def _stored_report(
    session: Session, run: Run, source: GuidelineSource, guideline: str, target: str
) -> tuple[str | None, dict[str, Any] | None]:
    gs = source.get()
    g = gs[guideline]
    g.target(target)  # UnknownTarget before any work
    fingerprint = cache_key(source)
    body = _cached(session, run.id, g.id, target, fingerprint)
    if body is not None:
        return body, None
    meets_, data = _report_of(run.id, RunIndex(load_testrun(session, run)), gs, g.id, target)
    _store(session, run.id, fingerprint, [(g.id, target, meets_, json.dumps(data))])
    return None, data


def _report_of(
    run_id: str, index: RunIndex, gs: GuidelineSet, guideline: str, target: str
) -> tuple[bool, dict[str, Any]]:
    """The one computation of a stored report: (meets, body)."""
    result = evaluate(index, gs[guideline], target)
    return result.meets, {"run_id": run_id, **result.to_dict()}


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
    return data if data is not None else _decoded(body)


def stored_report_data(
    session: Session, run: Run, source: GuidelineSource, guideline: str, target: str
) -> dict[str, Any]:
    """The same report for a run the caller was already allowed to read (a registered
    cloud's history checks access to the cloud, not to each of its runs)."""
    body, data = _stored_report(session, run, source, guideline, target)
    return data if data is not None else _decoded(body)


def _meets(
    session: Session, actor: Actor, run_id: str, source: GuidelineSource
) -> tuple[str | None, dict[str, Any] | None]:
    run, _ = get_run(session, actor, run_id)
    fingerprint = cache_key(source)
    body = _cached(session, run.id, ALL, ALL, fingerprint)
    if body is not None:
        return body, None
    meets_, data = _meets_of(run.id, RunIndex(load_testrun(session, run)), source.get())
    _store(session, run.id, fingerprint, [(ALL, ALL, meets_, json.dumps(data))])
    return None, data


def _no_pause() -> None:
    return None


def _meets_of(
    run_id: str, index: RunIndex, gs: GuidelineSet, pause: Callable[[], None] = _no_pause
) -> tuple[bool, dict[str, Any]]:
    """The one computation of the "meets" summary: (meets anything, body). ``pause`` is
    called before each guideline (a background caller waits there for a quiet moment)."""
    rows: list[dict[str, Any]] = []
    for g in gs.values():
        if g.kind not in MEETS_KINDS:
            continue
        pause()
        for target in g.targets:
            # evaluate(index, g, target).figures, without building the report
            figures, _ = required_figures(index, g, target)
            rows.append(
                {
                    "guideline": g.id,
                    "target": target,
                    "meets": bool(figures["meets"]),
                    "status": g.status,
                    "required_pass_percent": figures.get("requiredPassPercent"),
                    # RefStack's figure, the one "meets" rests on (flagged tests left out)
                    "non_flag_pass_percent": figures.get("nonFlagRequiredPassPercent"),
                }
            )
    data = {"run_id": run_id, "meets": [r for r in rows if r["meets"]], "all": rows}
    return any(r["meets"] for r in rows), data


def prepare(
    session: Session,
    run_id: str,
    source: GuidelineSource,
    *,
    pause: Callable[[], None] = _no_pause,
) -> list[tuple[str, str]]:
    """Compute and store what the first view of a run's report page reads: the "meets"
    summary and the latest approved guideline's report for each of its targets (the
    page's default). Rows already stored under the current :func:`cache_key` are kept;
    the run is loaded once for all of them, no transaction is open while they are
    computed (``pause`` is called between steps) and they are written in one. Returns
    the (guideline, target) pairs written; none when the run does not exist (any more).
    No permission check: this is the server's own work, it shows nobody anything."""
    fingerprint = cache_key(source)
    gs = source.get()
    latest = gs.latest_approved()
    wanted = [(ALL, ALL)] + ([(latest.id, t) for t in latest.targets] if latest else [])
    run = session.get(Run, run_id)
    if run is None:
        return []
    fresh = {
        (guideline, target)
        for guideline, target in session.execute(
            select(RunReport.guideline, RunReport.target).where(
                RunReport.run_id == run_id, RunReport.fingerprint == fingerprint
            )
        )
    }
    todo = [key for key in wanted if key not in fresh]
    if not todo:
        return []
    index = RunIndex(load_testrun(session, run))
    session.rollback()  # nothing held while computing
    rows: list[_Row] = []
    for guideline, target in todo:
        pause()
        if guideline == ALL:
            meets_, data = _meets_of(run_id, index, gs, pause)
        else:
            meets_, data = _report_of(run_id, index, gs, guideline, target)
        rows.append((guideline, target, meets_, json.dumps(data)))
    _store(session, run_id, fingerprint, rows)
    return todo


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
    return data if data is not None else _decoded(body)
