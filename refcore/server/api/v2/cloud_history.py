"""refcore v2: a registered cloud's history (timeline, regressions, flaky tests, freshness,
alerts sent) as JSON and CSV, and ``/metrics`` for Prometheus. Only the admins of the
cloud's vendor see them; ``/metrics`` needs an API token (``Authorization: Bearer``) and
shows the clouds of the token's vendors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, SessionDep, SettingsDep, SourceDep
from refcore.server.metrics import CONTENT_TYPE, exposition
from refcore.server.routing import Route
from refcore.services import cloud_history

router = APIRouter(
    tags=["v2 continuous compliance"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
    },
    route_class=Route,
)

GuidelineQ = Annotated[str | None, Query(max_length=64, description="one guideline")]
TargetQ = Annotated[str | None, Query(max_length=64, description="one target (program)")]


@router.get("/v2/clouds/{cloud_id}/history")
def history(
    cloud_id: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    source: SourceDep,
    guideline: GuidelineQ = None,
    target: TargetQ = None,
) -> dict[str, Any]:
    """Per guideline/target the cloud is tested for: its runs oldest first (pass %,
    meets, scheduled or manual), regressions (a required test that passed in one run and
    not in the next, with both runs), flaky tests, freshness; and the alerts sent."""
    return cloud_history.cloud_history(
        session,
        actor,
        source,
        cloud_history.Policy.from_settings(settings),
        cloud_id,
        guideline=guideline,
        target=target,
    )


@router.get("/v2/clouds/{cloud_id}/history.csv", response_class=Response)
def history_csv(
    cloud_id: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    source: SourceDep,
    guideline: GuidelineQ = None,
    target: TargetQ = None,
) -> Response:
    """The runs of the history as CSV, one line per run and guideline/target."""
    body = cloud_history.cloud_history(
        session,
        actor,
        source,
        cloud_history.Policy.from_settings(settings),
        cloud_id,
        guideline=guideline,
        target=target,
    )
    return Response(
        cloud_history.history_csv(body),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="cloud-{cloud_id[:36]}-history.csv"'
        },  # fmt: skip
    )


@router.get("/metrics", response_class=Response, tags=["metrics"])
def metrics(
    session: SessionDep, actor: ActorDep, settings: SettingsDep, source: SourceDep
) -> Response:
    """Prometheus' text format: per cloud of your vendors and guideline/target, the latest
    run's time, pass % and meets, days since a passing run, freshness. Needs an API token."""
    rows = cloud_history.metrics_rows(
        session, actor, source, cloud_history.Policy.from_settings(settings)
    )
    return Response(exposition(rows), media_type=CONTENT_TYPE)
