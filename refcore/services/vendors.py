"""Vendors (RefStack's organizations): create, list, show, edit, the registration
workflow (private -> pending -> official), and their admins (the members)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from refcore.errors import Conflict, Forbidden, InvalidInput, NotFound
from refcore.services import audit
from refcore.services.accounts import (
    FOUNDATION,
    OFFICIAL_VENDOR,
    PENDING_VENDOR,
    PRIVATE_VENDOR,
    Actor,
    user_by_openid,
)
from refcore.services.fields import optional_text
from refcore.storage.models import (
    Organization,
    OrgMember,
    Product,
    ProductVersion,
    Run,
    User,
)

__all__ = [
    "add_vendor_user",
    "can_publish_products",
    "create_vendor",
    "delete_vendor",
    "get_vendor",
    "list_vendor_users",
    "list_vendors",
    "remove_vendor_user",
    "update_vendor",
    "vendor_action",
]

_PUBLIC_TYPES = (FOUNDATION, OFFICIAL_VENDOR)


def can_publish_products(vendor: dict[str, Any] | None) -> bool:
    """Whether a vendor (as :func:`get_vendor` gives it) may have public products:
    only official vendors (and the Foundation)."""
    return vendor is not None and vendor.get("type") in _PUBLIC_TYPES


def _load(session: Session, vendor_id: str) -> Organization:
    org = session.get(Organization, vendor_id)
    if org is None:
        raise NotFound(f"Vendor {vendor_id} not found")
    return org


def _admin(session: Session, actor: Actor, vendor_id: str) -> Organization:
    actor.require_login()
    org = _load(session, vendor_id)
    if not actor.admin_of(org.id):
        raise Forbidden("Forbidden.")
    return org


def _summary(org: Organization, actor: Actor) -> dict[str, Any]:
    return {
        "id": org.id,
        "type": org.type,
        "name": org.name,
        "description": org.description,
        "can_manage": actor.admin_of(org.id),
    }


def create_vendor(session: Session, actor: Actor, name: str, description: str | None = None) -> str:
    """A private vendor whose first admin is the creator. Commits."""
    actor.require_login()
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Request doesnt correspond to schema", errors=["name is required"])
    description = optional_text({"description": description}, "description")
    org = Organization(
        id=str(uuid.uuid4()),
        type=PRIVATE_VENDOR,
        name=name.strip(),
        description=description,
        created_by=actor.user_id,
    )
    session.add(org)
    session.flush()
    session.add(OrgMember(org_id=org.id, user_id=actor.user_id))
    audit.record(
        session,
        actor,
        "create",
        "vendor",
        org.id,
        org_id=org.id,
        after={"name": org.name, "type": org.type},
    )
    session.commit()
    return org.id


def list_vendors(session: Session, actor: Actor) -> list[dict[str, Any]]:
    query = select(Organization).order_by(Organization.created_at.desc())
    if not actor.is_foundation:
        query = query.where(
            or_(Organization.type.in_(_PUBLIC_TYPES), Organization.id.in_(actor.org_ids))
        )
    return [_summary(o, actor) for o in session.scalars(query)]


def get_vendor(session: Session, actor: Actor, vendor_id: str) -> dict[str, Any]:
    org = _load(session, vendor_id)
    item = _summary(org, actor)
    if actor.admin_of(org.id):
        item.update(
            properties=json.loads(org.properties) if org.properties else None,
            created_at=org.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            updated_at=org.updated_at.strftime("%Y-%m-%d %H:%M:%S") if org.updated_at else None,
            created_by_user=session.scalar(select(User.openid).where(User.id == org.created_by)),
        )
        return item
    if org.type not in _PUBLIC_TYPES:
        raise Forbidden("Forbidden.")
    return item


def update_vendor(
    session: Session, actor: Actor, vendor_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    org = _admin(session, actor, vendor_id)
    before = {"name": org.name, "description": org.description, "properties": org.properties}
    if "name" in changes and changes["name"] != org.name:
        if org.type == OFFICIAL_VENDOR and not actor.is_foundation:
            raise Forbidden("Name change for an official vendor is not allowed.")
        if not isinstance(changes["name"], str) or not changes["name"].strip():
            raise InvalidInput(
                "Request doesnt correspond to schema", errors=["name must not be empty"]
            )
        org.name = changes["name"].strip()
    if "description" in changes:
        org.description = optional_text(changes, "description")
    if "properties" in changes:
        org.properties = json.dumps(changes["properties"])
    after = {"name": org.name, "description": org.description, "properties": org.properties}
    if after != before:
        audit.record(
            session, actor, "update", "vendor", org.id, org_id=org.id, before=before, after=after
        )
    session.commit()
    return get_vendor(session, actor, vendor_id)


def delete_vendor(session: Session, actor: Actor, vendor_id: str) -> None:
    org = _admin(session, actor, vendor_id)
    if org.type == FOUNDATION:
        raise Forbidden("The foundation organization can not be deleted.")
    versions = select(ProductVersion.id).join(Product).where(Product.organization_id == org.id)
    if session.scalar(select(exists().where(Run.product_version_id.in_(versions)))):
        raise InvalidInput(
            "Unable to delete. There are still tests associated to versions of this vendor's products."
        )
    audit.record(
        session,
        actor,
        "delete",
        "vendor",
        org.id,
        org_id=org.id,
        before={"name": org.name, "type": org.type},
    )
    session.delete(org)
    session.commit()


def vendor_action(session: Session, actor: Actor, vendor_id: str, body: dict[str, Any]) -> None:
    """Exactly one of register / approve / cancel / deny (+ registration_decline_reason)."""
    org = _admin(session, actor, vendor_id)
    actions = [a for a in ("register", "approve", "cancel", "deny") if a in body]
    if len(actions) != 1:
        raise InvalidInput(
            "Invalid action.", errors=["give exactly one of register, approve, cancel, deny"]
        )
    action = actions[0]
    if action in ("approve", "deny") and not actor.is_foundation:
        raise Forbidden("Forbidden.")
    wanted = {
        "register": PRIVATE_VENDOR,
        "approve": PENDING_VENDOR,
        "cancel": PENDING_VENDOR,
        "deny": PENDING_VENDOR,
    }
    if org.type != wanted[action]:
        raise InvalidInput("Invalid organization state for this action.")
    props = json.loads(org.properties) if org.properties else {}
    before_type = org.type
    if action == "register":
        org.type = PENDING_VENDOR
    elif action == "approve":
        org.type = OFFICIAL_VENDOR
        props.pop("registration_decline_reason", None)
    elif action == "cancel":
        org.type = PRIVATE_VENDOR
    else:
        reason = body.get("registration_decline_reason")
        if not reason:
            raise InvalidInput("The reason for denying a registration is required.")
        org.type = PRIVATE_VENDOR
        props["registration_decline_reason"] = reason
    org.properties = json.dumps(props) if props else None
    audit.record(
        session,
        actor,
        action,
        "vendor",
        org.id,
        org_id=org.id,
        before={"type": before_type},
        after={
            "type": org.type,
            **({"reason": props.get("registration_decline_reason")} if action == "deny" else {}),
        },
    )
    session.commit()


def list_vendor_users(session: Session, actor: Actor, vendor_id: str) -> list[dict[str, Any]]:
    org = _admin(session, actor, vendor_id)
    users = session.scalars(
        select(User).join(OrgMember, OrgMember.user_id == User.id).where(OrgMember.org_id == org.id)
    )
    return [{"openid": u.openid, "fullname": u.fullname, "email": u.email} for u in users]


def _decode_openid(encoded: str) -> str:
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_")).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("Invalid user openid: expected base64") from None


def add_vendor_user(session: Session, actor: Actor, vendor_id: str, encoded_openid: str) -> None:
    org = _admin(session, actor, vendor_id)
    openid = _decode_openid(encoded_openid)
    user = user_by_openid(session, openid)
    if user is None:
        raise NotFound(f"User {openid} not found")
    if session.get(OrgMember, (org.id, user.id)) is None:
        session.add(OrgMember(org_id=org.id, user_id=user.id))
    session.commit()


def remove_vendor_user(session: Session, actor: Actor, vendor_id: str, encoded_openid: str) -> None:
    """Remove an admin; a vendor keeps at least one (the last one is refused, 409)."""
    org = _admin(session, actor, vendor_id)
    user = user_by_openid(session, _decode_openid(encoded_openid))
    if user is not None and session.get(OrgMember, (org.id, user.id)) is not None:
        admins = session.scalar(
            select(func.count()).select_from(OrgMember).where(OrgMember.org_id == org.id)
        )
        if (admins or 0) <= 1:
            raise Conflict(
                f"{user.openid} is the only admin of {org.name}: a vendor must keep an admin; "
                "add another admin first"
            )
        session.execute(
            delete(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
        )
    session.commit()
