"""A registered cloud's history page: per guideline/target a small server-drawn chart of
the pass percentage, the runs, the regressions (with links to both runs), the flaky tests
and the freshness; the CSV link. The data is :func:`refcore.services.cloud_history.
cloud_history`, as ``GET /v2/clouds/{id}/history``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from refcore.server.charts import pass_chart
from refcore.server.deps import SessionDep, SettingsDep, SourceDep, UserDep
from refcore.server.rendering import render
from refcore.server.routing import Route
from refcore.services import cloud_history

router = APIRouter(route_class=Route)


@router.get("/clouds/{cloud_id}/history", response_class=HTMLResponse, name="web.cloud.history")
def history(
    request: Request,
    cloud_id: str,
    session: SessionDep,
    actor: UserDep,
    settings: SettingsDep,
    source: SourceDep,
    guideline: Annotated[str | None, Query(max_length=64)] = None,
    target: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    body = cloud_history.cloud_history(
        session,
        actor,
        source,
        cloud_history.Policy.from_settings(settings),
        cloud_id,
        guideline=guideline or None,
        target=target or None,
    )
    charts = {
        (s["guideline"], s["target"]): pass_chart(
            s["runs"], label=f"Required pass % of {s['guideline']} {s['target']} per run"
        )
        for s in body["series"]
    }
    return render(
        request,
        "cloud_history/history.html",
        {
            "title": f"History of {body['cloud']['name']}",
            "h": body,
            "charts": charts,
            "query_string": request.url.query,
        },
    )
