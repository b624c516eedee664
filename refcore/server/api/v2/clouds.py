"""refcore v2 registered clouds (continuous compliance): register, list, read, edit, disable
and delete a cloud a vendor's product version runs on, and list its jobs. Only the admins of
the cloud's vendor see it (404 to anyone else); credentials are write-only (shown masked).
See :mod:`refcore.services.clouds` and docs/continuous.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import GuidelinesDep, SessionDep, SettingsDep, UserDep, VaultDep
from refcore.server.routing import Route
from refcore.services import clouds
from refcore.services import jobs as cloud_jobs

router = APIRouter(
    tags=["v2 continuous compliance"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)


@router.get("/v2/clouds")
def listing(session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """The registered clouds of the vendors you administer."""
    items = clouds.list_clouds(session, actor)
    return {"clouds": items, "count": len(items)}


@router.post("/v2/clouds", status_code=201)
def register(
    session: SessionDep,
    actor: UserDep,
    vault: VaultDep,
    gs: GuidelinesDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Register a cloud: ``product_version_id``, ``name``, ``credentials`` (one clouds.yaml
    entry, password auth), ``tests`` (``[{"guideline", "target"}]``), ``schedule``
    (``daily HH:MM``, ``weekly <day> HH:MM`` in UTC, or ``manual``), optional ``options`` and
    ``enabled``."""
    return clouds.register(session, actor, vault, gs, body)


@router.get("/v2/clouds/{cloud_id}")
def read(cloud_id: str, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """One cloud, its credentials masked."""
    return clouds.get_cloud(session, actor, cloud_id)


@router.patch("/v2/clouds/{cloud_id}")
def edit(
    cloud_id: str,
    session: SessionDep,
    actor: UserDep,
    vault: VaultDep,
    gs: GuidelinesDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Change some of ``name``, ``credentials`` (replaced whole), ``tests``, ``schedule``,
    ``options``, ``enabled`` (``false`` stops the scheduled runs)."""
    return clouds.update_cloud(session, actor, vault, gs, cloud_id, body)


@router.delete("/v2/clouds/{cloud_id}", status_code=204, response_class=Response)
def delete(cloud_id: str, session: SessionDep, actor: UserDep) -> Response:
    """Delete the cloud and its jobs; its runs stay, unlinked."""
    clouds.delete_cloud(session, actor, cloud_id)
    return Response(status_code=204)


@router.get("/v2/clouds/{cloud_id}/jobs")
def jobs(
    cloud_id: str,
    session: SessionDep,
    actor: UserDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """The cloud's jobs (scheduled and on-demand runs), newest first."""
    items = clouds.list_jobs(session, actor, cloud_id, limit=limit)
    return {"jobs": items, "count": len(items)}


@router.post("/v2/clouds/{cloud_id}/runs", status_code=202)
def run_now(
    cloud_id: str,
    session: SessionDep,
    actor: UserDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """Queue on-demand jobs: every guideline/target of the cloud, or the ``guideline`` and
    ``target`` given; the scheduler hands them to a worker at its next tick. 409 when the same
    test is already queued or running."""
    items = cloud_jobs.request_runs(
        session, actor, cloud_id, body, max_attempts=settings.job_max_attempts
    )
    return {"jobs": items, "count": len(items)}


@router.get("/v2/clouds/{cloud_id}/jobs/{job_id}")
def job(cloud_id: str, job_id: str, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """One job with its log (the tail of `refcore test`'s output, credentials redacted)."""
    return cloud_jobs.get_job(session, actor, cloud_id, job_id)
