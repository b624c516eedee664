"""Products and their versions (RefStack's rules). A run is associated with a
*version*; the version with ``version`` null is the product's default one."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refcore.errors import Conflict, Forbidden, InvalidInput, NotFound
from refcore.services import audit
from refcore.services.accounts import FOUNDATION, OFFICIAL_VENDOR, PRIVATE_VENDOR, Actor
from refcore.services.fields import optional_text, required_text
from refcore.storage.models import Organization, OrgMember, Product, ProductVersion, Run, User

__all__ = [
    "create_product",
    "create_version",
    "delete_product",
    "delete_version",
    "get_product",
    "list_products",
    "list_versions",
    "update_product",
    "update_version",
]

#: product_type (what the user picks) -> type: distro -> software (1), clouds -> cloud (0)
_TYPE_OF = {0: 1, 1: 0, 2: 0}


def _load(session: Session, product_id: str) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"Product {product_id} not found")
    return product


def _readable(session: Session, actor: Actor, product_id: str) -> Product:
    product = _load(session, product_id)
    if not product.public and not actor.admin_of(product.organization_id):
        raise Forbidden("Forbidden.")
    return product


def _managed(session: Session, actor: Actor, product_id: str) -> Product:
    actor.require_login()
    product = _load(session, product_id)
    if not actor.admin_of(product.organization_id):
        raise Forbidden("Forbidden.")
    return product


def _dict(product: Product, actor: Actor, *, full: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "product_ref_id": product.product_ref_id,
        "type": product.type,
        "product_type": product.product_type,
        "public": product.public,
        "organization_id": product.organization_id,
        "can_manage": actor.admin_of(product.organization_id),
    }
    if full:
        item["properties"] = json.loads(product.properties) if product.properties else None
        item["created_at"] = product.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return item


def create_product(session: Session, actor: Actor, body: dict[str, Any]) -> str:
    """Creates the product and its default (null) version, plus ``version`` if given."""
    actor.require_login()
    name, product_type = body.get("name"), body.get("product_type")
    if not isinstance(name, str) or not name.strip() or product_type not in _TYPE_OF:
        raise InvalidInput(
            "Request doesnt correspond to schema",
            errors=["name (non-empty string) and product_type (0, 1 or 2) are required"],
        )
    description = optional_text(body, "description")
    org_id = optional_text(body, "organization_id")
    version = body.get("version")
    if version is not None and not isinstance(version, str | int | float):
        raise InvalidInput(
            "Request doesnt correspond to schema", errors=["version must be a string"]
        )
    if org_id:
        if session.get(Organization, org_id) is None:
            raise NotFound(f"Vendor {org_id} not found")
        if not actor.admin_of(org_id):
            raise Forbidden("Forbidden.")
    else:
        org_id = _own_vendor(session, actor)
    kind = _TYPE_OF[product_type]
    product = Product(
        id=str(uuid.uuid4()),
        name=name.strip(),
        description=description,
        product_ref_id=str(uuid.uuid4()) if kind == 1 else None,
        organization_id=org_id,
        created_by=actor.user_id,
        public=False,
        type=kind,
        product_type=product_type,
    )
    session.add(product)
    session.flush()
    session.add(
        ProductVersion(
            id=str(uuid.uuid4()), product_id=product.id, version=None, created_by=actor.user_id
        )
    )
    if version:
        session.add(
            ProductVersion(
                id=str(uuid.uuid4()),
                product_id=product.id,
                version=str(version),
                created_by=actor.user_id,
            )
        )
    audit.record(
        session,
        actor,
        "create",
        "product",
        product.id,
        org_id=org_id,
        after={"name": product.name, "product_type": product_type, "version": version},
    )
    session.commit()
    return product.id


def _own_vendor(session: Session, actor: Actor) -> str:
    name = f"vendor_{actor.openid}"[:80]
    org = session.scalar(
        select(Organization)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(Organization.name == name, OrgMember.user_id == actor.user_id)
    )
    if org is None:
        org = Organization(
            id=str(uuid.uuid4()), type=PRIVATE_VENDOR, name=name, created_by=actor.user_id
        )
        session.add(org)
        session.flush()
        session.add(OrgMember(org_id=org.id, user_id=actor.user_id))
    return org.id


def list_products(
    session: Session, actor: Actor, organization_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(Product).order_by(Product.name)
    if organization_id:
        query = query.where(Product.organization_id == organization_id)
    if not actor.is_foundation:
        query = query.where(
            or_(Product.public.is_(True), Product.organization_id.in_(actor.org_ids))
        )
    return [_dict(p, actor) for p in session.scalars(query)]


def get_product(session: Session, actor: Actor, product_id: str) -> dict[str, Any]:
    product = _readable(session, actor, product_id)
    full = actor.admin_of(product.organization_id)
    item = _dict(product, actor, full=full)
    if full:
        item["created_by_user"] = session.scalar(
            select(User.openid).where(User.id == product.created_by)
        )
    return item


def update_product(
    session: Session, actor: Actor, product_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    product = _managed(session, actor, product_id)
    before = _state(product)
    if "name" in changes:
        product.name = required_text(changes, "name")
    for key in ("description", "product_ref_id"):
        if key in changes:
            setattr(product, key, optional_text(changes, key))
    if "properties" in changes:
        product.properties = json.dumps(changes["properties"])
    if "public" in changes:
        public = bool(changes["public"])
        if public:
            org = session.get(Organization, product.organization_id)
            if org is None or org.type not in (OFFICIAL_VENDOR, FOUNDATION):
                raise Forbidden(
                    "Forbidden.", errors=["only an official vendor's products can be public"]
                )
        product.public = public
    if _state(product) != before:
        audit.record(
            session,
            actor,
            "update",
            "product",
            product.id,
            org_id=product.organization_id,
            before=before,
            after=_state(product),
        )
    session.commit()
    return get_product(session, actor, product_id)


def _state(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "description": product.description,
        "product_ref_id": product.product_ref_id,
        "properties": product.properties,
        "public": product.public,
    }


def _org_of(session: Session, row: ProductVersion) -> str | None:
    return session.scalar(select(Product.organization_id).where(Product.id == row.product_id))


def _has_runs(session: Session, version_ids: Any) -> bool:
    return bool(session.scalar(select(exists().where(Run.product_version_id.in_(version_ids)))))


def delete_product(session: Session, actor: Actor, product_id: str) -> None:
    product = _managed(session, actor, product_id)
    versions = select(ProductVersion.id).where(ProductVersion.product_id == product.id)
    if _has_runs(session, versions):
        raise InvalidInput(
            "Unable to delete. There are still tests associated to versions of this product."
        )
    audit.record(
        session,
        actor,
        "delete",
        "product",
        product.id,
        org_id=product.organization_id,
        before=_state(product),
    )
    session.delete(product)
    session.commit()


def _version_dict(v: ProductVersion) -> dict[str, Any]:
    return {"id": v.id, "product_id": v.product_id, "version": v.version, "cpid": v.cpid}


def list_versions(session: Session, actor: Actor, product_id: str) -> list[dict[str, Any]]:
    product = _readable(session, actor, product_id)
    rows = session.scalars(
        select(ProductVersion)
        .where(ProductVersion.product_id == product.id)
        .order_by(ProductVersion.created_at)
    )
    return [_version_dict(v) for v in rows]


def create_version(
    session: Session, actor: Actor, product_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    product = _managed(session, actor, product_id)
    version = required_text(body, "version")
    row = ProductVersion(
        id=str(uuid.uuid4()),
        product_id=product.id,
        version=version,
        cpid=optional_text(body, "cpid"),
        created_by=actor.user_id,
    )
    session.add(row)
    audit.record(
        session,
        actor,
        "create",
        "version",
        row.id,
        org_id=product.organization_id,
        after={"product_id": product.id, "version": version, "cpid": row.cpid},
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"Version {version} already exists for this product") from None
    return _version_dict(row)


def _managed_version(
    session: Session, actor: Actor, product_id: str, version_id: str
) -> ProductVersion:
    product = _managed(session, actor, product_id)
    row = session.get(ProductVersion, version_id)
    if row is None or row.product_id != product.id:
        raise NotFound(f"Version {version_id} not found")
    return row


def update_version(
    session: Session, actor: Actor, product_id: str, version_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    row = _managed_version(session, actor, product_id, version_id)
    if "cpid" in body:
        before = row.cpid
        row.cpid = optional_text(body, "cpid")
        if row.cpid != before:
            audit.record(
                session,
                actor,
                "update",
                "version",
                row.id,
                org_id=_org_of(session, row),
                before={"cpid": before},
                after={"cpid": row.cpid},
            )
    session.commit()
    return _version_dict(row)


def delete_version(session: Session, actor: Actor, product_id: str, version_id: str) -> None:
    row = _managed_version(session, actor, product_id, version_id)
    if row.version is None:
        raise InvalidInput(
            "Can not delete the empty version as it is used for basic product/test association."
        )
    if _has_runs(session, [row.id]):
        raise InvalidInput("Unable to delete. There are still tests associated to this version.")
    audit.record(
        session,
        actor,
        "delete",
        "version",
        row.id,
        org_id=_org_of(session, row),
        before={"product_id": row.product_id, "version": row.version, "cpid": row.cpid},
    )
    session.delete(row)
    session.commit()
