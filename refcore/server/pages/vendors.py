"""Vendor pages: the lists, one vendor with its products and admins, and RefStack's
registration workflow (register, cancel; the Foundation approves or denies with a
reason). Every rule is the services' (:mod:`refcore.services.vendors`)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refcore.errors import InvalidInput
from refcore.server import downloads
from refcore.server.deps import ActorDep, CsrfDep, SessionDep, UserDep
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import products, vendors

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]

#: organization type -> what the page calls it
KINDS = {0: "Foundation", 1: "private", 2: "registration pending", 3: "official"}


def _encode(openid: str) -> str:
    """The services take member openids base64-encoded, as RefStack's URLs do."""
    return base64.urlsafe_b64encode(openid.encode()).decode()


def _list(request: Request, session: SessionDep, actor: ActorDep, *, mine: bool) -> Response:
    fmt = downloads.wanted(request.query_params.get("format"))
    items = vendors.list_vendors(session, actor)
    if mine:
        items = [v for v in items if v["can_manage"]]
    name = "my-vendors" if mine else "vendors"
    columns = ("id", "name", "type", "description", "can_manage")
    download = downloads.answer(fmt, name, items, downloads.dict_rows(items, columns))
    if download is not None:
        return download
    return render(
        request,
        "vendors/list.html",
        {
            "title": "My vendors" if mine else "Vendors",
            "vendors": items,
            "kinds": KINDS,
            "mine": mine,
        },
    )


@router.get("/vendors", response_class=HTMLResponse, name="web.vendors")
def vendor_list(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return _list(request, session, actor, mine=False)


@router.get("/vendors/mine", response_class=HTMLResponse, name="web.vendors.mine")
def my_vendors(request: Request, session: SessionDep, actor: UserDep) -> Response:
    return _list(request, session, actor, mine=True)


@router.post("/vendors", dependencies=CSRF, name="web.vendors.create")
def create(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> RedirectResponse:
    vendor_id = vendors.create_vendor(session, actor, name, description or None)
    flash(
        request,
        f"Vendor {name.strip()} created (private). Register it to become official.",
        "success",
    )
    return RedirectResponse(f"/vendors/{vendor_id}", status_code=303)


@router.get("/vendors/{vendor_id}", response_class=HTMLResponse, name="web.vendor")
def vendor_page(
    request: Request, vendor_id: str, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    vendor = vendors.get_vendor(session, actor, vendor_id)
    users = vendors.list_vendor_users(session, actor, vendor_id) if vendor["can_manage"] else []
    return render(
        request,
        "vendors/detail.html",
        {
            "title": vendor["name"],
            "v": vendor,
            "kind": KINDS.get(vendor["type"], str(vendor["type"])),
            "users": [{**u, "key": _encode(u["openid"])} for u in users],
            "products": products.list_products(session, actor, vendor_id),
            "is_foundation": actor.is_foundation,
        },
    )


def _back(vendor_id: str) -> RedirectResponse:
    return RedirectResponse(f"/vendors/{vendor_id}", status_code=303)


@router.post("/vendors/{vendor_id}/edit", dependencies=CSRF, name="web.vendor.edit")
def edit(
    request: Request,
    vendor_id: str,
    session: SessionDep,
    actor: UserDep,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> RedirectResponse:
    vendors.update_vendor(
        session, actor, vendor_id, {"name": name, "description": description or None}
    )
    flash(request, "Vendor saved.", "success")
    return _back(vendor_id)


@router.post("/vendors/{vendor_id}/action", dependencies=CSRF, name="web.vendor.action")
def action(
    request: Request,
    vendor_id: str,
    session: SessionDep,
    actor: UserDep,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if action not in ("register", "cancel", "approve", "deny"):
        raise InvalidInput(f"Unknown action {action!r}")
    body: dict[str, object] = {action: True}
    if action == "deny":
        body["registration_decline_reason"] = reason.strip()
    vendors.vendor_action(session, actor, vendor_id, body)
    done = {
        "register": "Registration requested: the Foundation will review it.",
        "cancel": "Registration cancelled.",
        "approve": "Vendor approved: it is now official.",
        "deny": "Registration denied.",
    }
    flash(request, done[action], "success")
    return _back(vendor_id)


@router.post("/vendors/{vendor_id}/users", dependencies=CSRF, name="web.vendor.users.add")
def add_user(
    request: Request,
    vendor_id: str,
    session: SessionDep,
    actor: UserDep,
    openid: Annotated[str, Form()],
) -> RedirectResponse:
    vendors.add_vendor_user(session, actor, vendor_id, _encode(openid.strip()))
    flash(request, f"{openid.strip()} is now an admin of this vendor.", "success")
    return _back(vendor_id)


@router.post("/vendors/{vendor_id}/users/remove", dependencies=CSRF, name="web.vendor.users.remove")
def remove_user(
    request: Request,
    vendor_id: str,
    session: SessionDep,
    actor: UserDep,
    key: Annotated[str, Form()],
) -> RedirectResponse:
    vendors.remove_vendor_user(session, actor, vendor_id, key)
    if _encode(actor.openid or "") == key:  # removed themselves: no longer an admin here
        flash(request, "You are no longer an admin of this vendor.", "success")
        return RedirectResponse("/vendors/mine", status_code=303)
    flash(request, "Admin removed.", "success")
    return _back(vendor_id)


@router.post("/vendors/{vendor_id}/delete", dependencies=CSRF, name="web.vendor.delete")
def delete(
    request: Request, vendor_id: str, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    vendors.delete_vendor(session, actor, vendor_id)
    flash(request, "Vendor deleted.", "success")
    return RedirectResponse("/vendors/mine", status_code=303)
