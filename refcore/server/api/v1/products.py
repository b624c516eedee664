"""RefStack v1 ``/v1/products`` and ``/v1/products/<id>/versions``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from refcore.server.api.v1.results import json_object
from refcore.server.deps import ActorDep, SessionDep
from refcore.server.routing import BodyDep, Route, body_limit
from refcore.services import products

router = APIRouter(prefix="/v1/products", tags=["v1 products"], route_class=Route)


@router.post("", status_code=201)
@router.post("/", status_code=201, include_in_schema=False)
@body_limit("max_json_bytes")
def create(body: BodyDep, session: SessionDep, actor: ActorDep) -> dict[str, str]:
    return {"id": products.create_product(session, actor, json_object(body))}


@router.get("")
@router.get("/", include_in_schema=False)
def list_all(
    session: SessionDep, actor: ActorDep, organization_id: str | None = None
) -> dict[str, Any]:
    return {"products": products.list_products(session, actor, organization_id)}


@router.get("/{product_id}")
def show(product_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return products.get_product(session, actor, product_id)


@router.put("/{product_id}")
@body_limit("max_json_bytes")
def update(product_id: str, body: BodyDep, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return products.update_product(session, actor, product_id, json_object(body))


@router.delete("/{product_id}", status_code=204)
def remove(product_id: str, session: SessionDep, actor: ActorDep) -> Response:
    products.delete_product(session, actor, product_id)
    return Response(status_code=204)


@router.get("/{product_id}/versions")
@router.get("/{product_id}/versions/", include_in_schema=False)
def versions(product_id: str, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return products.list_versions(session, actor, product_id)


@router.post("/{product_id}/versions", status_code=201)
@router.post("/{product_id}/versions/", status_code=201, include_in_schema=False)
@body_limit("max_json_bytes")
def add_version(
    product_id: str, body: BodyDep, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    return products.create_version(session, actor, product_id, json_object(body))


@router.put("/{product_id}/versions/{version_id}")
@body_limit("max_json_bytes")
def update_version(
    product_id: str, version_id: str, body: BodyDep, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    return products.update_version(session, actor, product_id, version_id, json_object(body))


@router.delete("/{product_id}/versions/{version_id}", status_code=204)
def remove_version(
    product_id: str, version_id: str, session: SessionDep, actor: ActorDep
) -> Response:
    products.delete_version(session, actor, product_id, version_id)
    return Response(status_code=204)
