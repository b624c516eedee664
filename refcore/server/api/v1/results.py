"""RefStack v1 ``/v1/results``: upload, list, detail, update, delete, meta.

Both ``/v1/results`` and ``/v1/results/`` answer (refstack-client uses the slash).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from refcore.config import Settings
from refcore.errors import InvalidInput, UnsupportedMediaType
from refcore.server.deps import ActorDep, GuidelinesDep, SessionDep, SettingsDep, state
from refcore.server.routing import BodyDep, Route, body_limit, checks_json_itself, one_at_a_time
from refcore.services import runs, runs_edit, runs_read

router = APIRouter(prefix="/v1/results", tags=["v1 results"], route_class=Route)

_JSON_TYPES = ("application/json", "text/json")


def result_url(request: Request, settings: Settings, run_id: str) -> str:
    """RefStack's ``urljoin(ui_url, '/#/results/%s')``."""
    return f"{settings.results_ui_url}/#/results/{run_id}"


def require_json(request: Request) -> None:
    """A declared non-JSON content type is refused (415); none at all is accepted."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and ctype not in _JSON_TYPES and not ctype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Unsupported content type {ctype}: send the results as application/json"
        )


def json_object(body: bytes) -> dict[str, Any]:
    """A JSON object body (PUT endpoints): "Malformed request" otherwise."""
    try:
        doc = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise InvalidInput("Malformed request") from None
    if not isinstance(doc, dict):
        raise InvalidInput("Malformed request")
    return doc


@router.post("", status_code=201, summary="Upload a test run (RefStack JSON)")
@router.post("/", status_code=201, include_in_schema=False)
@one_at_a_time
@checks_json_itself  # runs.submit_v1 refuses a bad body with RefStack's words
def upload(
    request: Request, body: BodyDep, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> dict[str, str]:
    require_json(request)
    upload = runs.Upload(
        body, request.headers.get("x-signature"), request.headers.get("x-public-key")
    )
    run = runs.submit_v1(session, upload, actor, allow_anonymous=settings.enable_anonymous_upload)
    state(request).preparer.submit(run.id)
    return {"test_id": run.id, "url": result_url(request, settings, run.id)}


@router.get("", summary="List test runs (paginated, newest first)")
@router.get("/", include_in_schema=False)
def list_results(
    request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> dict[str, Any]:
    q = request.query_params
    page = runs_read.list_runs(
        session,
        actor,
        page=q.get("page"),
        start_date=q.get("start_date"),
        end_date=q.get("end_date"),
        cpid=q.get("cpid"),
        signed="signed" in q,
        verification_status=q.get("verification_status"),
        product_id=q.get("product_id"),
        per_page=settings.results_per_page,
    )
    for item in page.items:
        item.pop("cpid", None)
        item["url"] = result_url(request, settings, item["id"])
    return {
        "results": page.items,
        "pagination": {"current_page": page.current_page, "total_pages": page.total_pages},
    }


@router.get("/schema", summary="The JSON schema of an upload")
def schema() -> dict[str, object]:
    return runs.V1_RESULTS_SCHEMA


@router.get("/{run_id}")
def detail(run_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return runs_read.run_detail(session, actor, run_id)


@router.put("/{run_id}", status_code=201)
@body_limit("max_json_bytes")
def update(
    run_id: str, body: BodyDep, session: SessionDep, actor: ActorDep, gs: GuidelinesDep
) -> Any:
    """RefStack's update; marking a run verified that does not meet its claim needs
    ``verification_override`` (a reason, recorded in the audit log), else 409."""
    return runs_edit.update_run(session, actor, run_id, json_object(body), gs)


@router.delete("/{run_id}", status_code=204)
def delete(run_id: str, session: SessionDep, actor: ActorDep) -> Response:
    runs_edit.delete_run(session, actor, run_id)
    return Response(status_code=204)


@router.get("/{run_id}/meta")
def get_meta(run_id: str, session: SessionDep, actor: ActorDep) -> Any:
    return runs_edit.get_meta(session, actor, run_id)


@router.get("/{run_id}/meta/{key}")
def get_meta_key(run_id: str, key: str, session: SessionDep, actor: ActorDep) -> Any:
    return JSONResponse(runs_edit.get_meta(session, actor, run_id, key))


@router.post("/{run_id}/meta/{key}", status_code=201)
@body_limit("max_json_bytes")
def set_meta(
    run_id: str,
    key: str,
    body: BodyDep,
    session: SessionDep,
    actor: ActorDep,
    gs: GuidelinesDep,
) -> Response:
    value = body.decode("utf-8", "replace")
    runs_edit.set_meta(session, actor, run_id, key, value, guidelines=gs)
    return Response(status_code=201)


@router.delete("/{run_id}/meta/{key}", status_code=204)
def delete_meta(run_id: str, key: str, session: SessionDep, actor: ActorDep) -> Response:
    runs_edit.delete_meta(session, actor, run_id, key)
    return Response(status_code=204)
