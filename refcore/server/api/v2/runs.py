"""refcore v2 ``/v2/runs``: upload any run format, read runs and their tests, the
compliance report of a run for any guideline x target (cached), what it meets,
and its product version. Errors use the one v2 envelope."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from refcore.errors import UnsupportedMediaType
from refcore.server.api.schemas import ErrorBody, ProductVersionLink, RunCreated, RunList
from refcore.server.api.v1.results import result_url
from refcore.server.deps import ActorDep, SessionDep, SettingsDep, SourceDep, state
from refcore.server.routing import BodyDep, Route, one_at_a_time
from refcore.services import reports, runs, runs_edit, runs_read
from refcore.services.fields import MAX_PAGE

router = APIRouter(
    prefix="/v2/runs",
    tags=["v2 runs"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
    },
    route_class=Route,
)

_MULTIPART = "multipart/form-data"
_URLENCODED = "application/x-www-form-urlencoded"
#: a form's ``field=value`` first line (test names and run files never start so)
_FORM_FIELD = re.compile(rb"^[A-Za-z_][A-Za-z0-9_.-]*=")


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


@router.post("", status_code=201, response_model=RunCreated)
@one_at_a_time
def upload(
    request: Request,
    body: BodyDep,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    cpid: Annotated[str | None, Query(max_length=runs.MAX_CPID)] = None,
    duration_seconds: Annotated[int | None, Query(ge=0, le=runs.MAX_DURATION)] = None,
    format: Annotated[str | None, Query(description="force a format (default: detect)")] = None,
) -> dict[str, Any]:
    """Upload a run file as the raw body: subunit v1/v2, RefStack JSON, JUnit XML or a
    list of passed tests. Pass/fail/skip are kept. Optional X-Signature/X-Public-Key
    as in v1; ``Authorization: Bearer`` makes the run yours."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # curl --data-binary sends the file as it is, labelled as a form: accept it unless the
    # body really is form fields (ambiguous: refuse rather than guess)
    if ctype == _MULTIPART or (ctype == _URLENCODED and _FORM_FIELD.match(body.lstrip())):
        raise UnsupportedMediaType(
            f"Unsupported content type {ctype}: send the run file itself as the request body "
            "(curl --data-binary @FILE -H 'Content-Type: application/octet-stream')"
        )
    upload = runs.Upload(
        body, request.headers.get("x-signature"), request.headers.get("x-public-key")
    )
    run = runs.submit_v2(
        session,
        upload,
        actor,
        allow_anonymous=settings.enable_anonymous_upload,
        cpid=cpid,
        duration_seconds=duration_seconds,
        format=format,
    )
    state(request).preparer.submit(run.id)
    summary = runs_read.run_counts(run)
    return {
        "id": run.id,
        "url": result_url(request, settings, run.id),
        "format": summary["format"],
        "counts": summary["counts"],
    }


@router.get("", response_model=RunList)
def list_runs(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    cpid: str | None = None,
    product_version_id: str | None = None,
    mine: bool = False,
) -> dict[str, Any]:
    result = runs_read.list_runs_v2(
        session,
        actor,
        page=page,
        per_page=settings.results_per_page,
        cpid=cpid,
        product_version_id=product_version_id,
        mine=mine,
    )
    return {
        "items": result.items,
        "page": result.current_page,
        "pages": result.total_pages,
        "total": result.total,
    }


@router.get("/{run_id}")
def show(run_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return runs_read.run_summary(session, actor, run_id)


@router.get("/{run_id}/tests")
def tests(run_id: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Every test of the run with its outcome (pass/fail/skip/error) and reason."""
    return runs_read.run_tests(session, actor, run_id)


@router.get("/{run_id}/report")
def report(
    run_id: str,
    session: SessionDep,
    actor: ActorDep,
    source: SourceDep,
    guideline: str,
    target: str = "platform",
) -> Response:
    """The compliance report for one guideline x target, computed once and cached."""
    return _json(reports.report(session, actor, run_id, source, guideline, target))


@router.get("/{run_id}/meets")
def meets(run_id: str, session: SessionDep, actor: ActorDep, source: SourceDep) -> Response:
    """Which guidelines and targets the run meets (every powered, add-on and vertical
    guideline), computed once and cached."""
    return _json(reports.meets(session, actor, run_id, source))


@router.put("/{run_id}/product-version")
def set_product_version(
    run_id: str, link: ProductVersionLink, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """Associate the run with a product version (null clears it); vendor admins and
    the foundation only."""
    runs_edit.update_run(session, actor, run_id, {"product_version_id": link.product_version_id})
    return runs_read.run_summary(session, actor, run_id)


@router.delete("/{run_id}", status_code=204)
def delete(run_id: str, session: SessionDep, actor: ActorDep) -> Response:
    runs_edit.delete_run(session, actor, run_id)
    return Response(status_code=204)
