"""What the report page shows, taken from the services' cached reports.

The page computes nothing: the report is :func:`refcore.services.reports.report_data`'s
stored report (exactly the body of ``GET /v2/runs/{id}/report``) and the "meets" list
is :func:`refcore.services.reports.meets_data`' (``GET /v2/runs/{id}/meets``), so the
page and the API always agree and a view after the first costs two primary-key
reads. Privacy is the services' too: both calls check the visitor may read the run.

The guideline and target shown when the query does not give them are
:func:`refcore.services.reports.choose`'s, the same rule the run lists use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.guidelines import Guideline, GuidelineSet
from refcore.services import reports
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.services.reports import choose

__all__ = ["MeetsGrid", "RunReportView", "build_report", "choose", "meets_grids"]

#: the grids' titles, one grid per program (the add-ons one per add-on)
GRID_TITLES = {"powered": "OpenStack Powered", "add-on": "Add-on", "vertical": "Vertical"}


@dataclass
class MeetsGrid:
    """One program's guidelines (rows, newest first) x its targets (columns); a cell is
    the meets row of ``GET /v2/runs/{id}/meets`` (``meets``, ``non_flag_pass_percent``),
    None where the guideline has no such target."""

    title: str
    targets: list[str]
    rows: list[tuple[Guideline, dict[str, dict[str, Any] | None]]] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for _, cells in self.rows for c in cells.values() if c and c["meets"])

    @property
    def total(self) -> int:
        return sum(1 for _, cells in self.rows for c in cells.values() if c)


def meets_grids(gs: GuidelineSet, rows: list[dict[str, Any]]) -> list[MeetsGrid]:
    """The meets list laid out as grids: nothing computed, only arranged."""
    by_guideline: dict[str, dict[str, dict[str, Any] | None]] = {}
    for row in rows:
        by_guideline.setdefault(row["guideline"], {})[row["target"]] = row
    grids: dict[tuple[str, str | None], MeetsGrid] = {}
    for gid in by_guideline:  # oldest first: programs in the guideline set's order
        g = gs[gid]
        key = (g.kind, g.add_on)
        if key not in grids:
            title = GRID_TITLES.get(g.kind, g.kind)
            if g.add_on:
                title = f"{title}: {g.add_on.replace('_', ' ').title()}"
            grids[key] = MeetsGrid(title, [])
        grid = grids[key]
        for t in g.targets:
            if t not in grid.targets:
                grid.targets.append(t)
        grid.rows.append((g, dict(by_guideline[gid])))
    for grid in grids.values():
        grid.rows = [(g, {t: cells.get(t) for t in grid.targets}) for g, cells in grid.rows]
    return list(grids.values())


@dataclass(frozen=True)
class RunReportView:
    guideline: Guideline
    target: str
    #: the stored report (``ComplianceReport.to_dict()`` plus ``run_id``)
    report: dict[str, Any]
    #: the guideline x target rows the run meets (``guideline``, ``target``, ...)
    meets: list[dict[str, Any]]
    #: every guideline x target the run was checked against, as grids per program
    grids: list[MeetsGrid] = field(default_factory=list)
    note: str | None = None


def build_report(
    session: Session,
    actor: Actor,
    source: GuidelineSource,
    run_id: str,
    meta: dict[str, str],
    guideline: str | None,
    target: str | None,
) -> RunReportView:
    g, t, note = choose(source.get(), meta, guideline, target)
    report = reports.report_data(session, actor, run_id, source, g.id, t)
    meets = reports.meets_data(session, actor, run_id, source)
    grids = meets_grids(source.get(), meets["all"])
    return RunReportView(g, t, report, meets["meets"], grids, note)
