"""RefStack v1 ``/v1/vendors``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from refcore.server.api.v1.results import json_object
from refcore.server.deps import ActorDep, SessionDep
from refcore.server.routing import BodyDep, Route, body_limit
from refcore.services import vendors

router = APIRouter(prefix="/v1/vendors", tags=["v1 vendors"], route_class=Route)


@router.post("", status_code=201)
@router.post("/", status_code=201, include_in_schema=False)
@body_limit("max_json_bytes")
def create(body: BodyDep, session: SessionDep, actor: ActorDep) -> dict[str, str]:
    doc = json_object(body)
    return {
        "id": vendors.create_vendor(session, actor, doc.get("name", ""), doc.get("description"))
    }


@router.get("")
@router.get("/", include_in_schema=False)
def list_all(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return {"vendors": vendors.list_vendors(session, actor)}


@router.get("/{vendor_id}")
def show(vendor_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return vendors.get_vendor(session, actor, vendor_id)


@router.put("/{vendor_id}")
@body_limit("max_json_bytes")
def update(vendor_id: str, body: BodyDep, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return vendors.update_vendor(session, actor, vendor_id, json_object(body))


@router.delete("/{vendor_id}", status_code=204)
def remove(vendor_id: str, session: SessionDep, actor: ActorDep) -> Response:
    vendors.delete_vendor(session, actor, vendor_id)
    return Response(status_code=204)


@router.post("/{vendor_id}/action", status_code=201)
@body_limit("max_json_bytes")
def action(vendor_id: str, body: BodyDep, session: SessionDep, actor: ActorDep) -> Response:
    vendors.vendor_action(session, actor, vendor_id, json_object(body))
    return Response(status_code=201)


@router.get("/{vendor_id}/users")
def users(vendor_id: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return vendors.list_vendor_users(session, actor, vendor_id)


@router.put("/{vendor_id}/users/{openid}", status_code=204)
def add_user(vendor_id: str, openid: str, session: SessionDep, actor: ActorDep) -> Response:
    vendors.add_vendor_user(session, actor, vendor_id, openid)
    return Response(status_code=204)


@router.delete("/{vendor_id}/users/{openid}", status_code=204)
def remove_user(vendor_id: str, openid: str, session: SessionDep, actor: ActorDep) -> Response:
    vendors.remove_vendor_user(session, actor, vendor_id, openid)
    return Response(status_code=204)
