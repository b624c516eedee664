"""refcore v2 ``/v2/usage``: client and tool usage declarations ("Used by Clients",
"Used by Tools"), uploaded by logged-in users and counted per capability."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from refcore.errors import InvalidInput, UnsupportedMediaType
from refcore.server.api.schemas import ErrorBody
from refcore.server.deps import ActorDep, SessionDep
from refcore.server.routing import BodyDep, Route, body_limit
from refcore.services import usage

router = APIRouter(
    prefix="/v2/usage",
    tags=["v2 scoring"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    route_class=Route,
)

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


@router.post("", status_code=201)
@body_limit("max_usage_bytes")
def upload(
    request: Request, response: Response, body: BodyDep, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """Store a declaration (YAML or JSON, ``refcore/core/schemas/usage.schema.json``)
    as the raw body (at most ``max_usage_bytes``). 201 when new; 200 when its owner
    replaces it; 409 when another user's declaration has the same kind and name."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in _FORMS:
        raise UnsupportedMediaType(
            f"Unsupported content type {ctype}: send the declaration itself as the request body"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The usage declaration is not UTF-8 text") from None
    stored = usage.store(session, actor, text)
    if not stored.created:
        response.status_code = 200
    return usage.item(stored.row)


@router.get("")
def list_all(session: SessionDep) -> dict[str, Any]:
    """Every stored declaration, and per capability how many clients and tools use it."""
    return usage.list_declarations(session)


@router.delete("/{declaration_id}", status_code=204)
def delete(declaration_id: str, session: SessionDep, actor: ActorDep) -> Response:
    """Delete a declaration (its owner or the Foundation)."""
    usage.delete(session, actor, declaration_id)
    return Response(status_code=204)
