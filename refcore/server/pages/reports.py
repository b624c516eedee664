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

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from refcore.core.guidelines import Guideline
from refcore.services import reports
from refcore.services.accounts import Actor
from refcore.services.guidelines import GuidelineSource
from refcore.services.reports import choose

__all__ = ["RunReportView", "build_report", "choose"]


@dataclass(frozen=True)
class RunReportView:
    guideline: Guideline
    target: str
    #: the stored report (``ComplianceReport.to_dict()`` plus ``run_id``)
    report: dict[str, Any]
    #: the guideline x target rows the run meets (``guideline``, ``target``, ...)
    meets: list[dict[str, Any]]
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
    met = reports.meets_data(session, actor, run_id, source)["meets"]
    return RunReportView(g, t, report, met, note)
