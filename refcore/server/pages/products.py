"""Product pages: lists, create, one product with its versions (cpid), the public
toggle (official vendors only) and the runs associated with it. Every rule is the
services' (:mod:`refcore.services.products`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refcore.errors import InvalidInput, ServiceError
from refcore.server import downloads
from refcore.server.deps import (
    ActorDep,
    CsrfDep,
    GuidelinesDep,
    SessionDep,
    SettingsDep,
    SourceDep,
    TermsDep,
    UserDep,
)
from refcore.server.pages.vendors import KINDS as VENDOR_KINDS
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import certificates, products, run_lists, vendors

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]

#: RefStack's product types
PRODUCT_TYPES = {0: "Distro", 1: "Public cloud", 2: "Hosted private cloud"}


def _list(request: Request, session: SessionDep, actor: ActorDep, *, mine: bool) -> Response:
    fmt = downloads.wanted(request.query_params.get("format"))
    items = products.list_products(session, actor)
    if mine:
        items = [p for p in items if p["can_manage"]]
    known = vendors.list_vendors(session, actor)
    names = {v["id"]: v["name"] for v in known}
    rows = [{**p, "vendor": names.get(p["organization_id"], "")} for p in items]
    columns = ("id", "name", "vendor", "organization_id", "product_type", "public", "description")
    name = "my-products" if mine else "products"
    download = downloads.answer(fmt, name, rows, downloads.dict_rows(rows, columns))
    if download is not None:
        return download
    managed = [v for v in known if v["can_manage"]]
    return render(
        request,
        "products/list.html",
        {
            "title": "My products" if mine else "Products",
            "products": items,
            "vendor_names": names,
            "my_vendors": managed,
            "types": PRODUCT_TYPES,
            "mine": mine,
        },
    )


@router.get("/products", response_class=HTMLResponse, name="web.products")
def product_list(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return _list(request, session, actor, mine=False)


@router.get("/products/mine", response_class=HTMLResponse, name="web.products.mine")
def my_products(request: Request, session: SessionDep, actor: UserDep) -> Response:
    return _list(request, session, actor, mine=True)


@router.post("/products", dependencies=CSRF, name="web.products.create")
def create(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    name: Annotated[str, Form()],
    product_type: Annotated[int, Form()],
    organization_id: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> RedirectResponse:
    body = {
        "name": name,
        "product_type": product_type,
        "organization_id": organization_id or None,
        "description": description or None,
        "version": version.strip() or None,
    }
    product_id = products.create_product(session, actor, body)
    flash(request, f"Product {name.strip()} created (private).", "success")
    return RedirectResponse(f"/products/{product_id}", status_code=303)


@router.get("/products/{product_id}", response_class=HTMLResponse, name="web.product")
def product_page(
    request: Request,
    product_id: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    gs: GuidelinesDep,
    terms: TermsDep,
    source: SourceDep,
    page: str = "",
    format: str | None = None,
) -> Response:
    """The product; its runs as the run lists show them (``?format=json|csv``: the runs)."""
    fmt = downloads.wanted(format)
    product = products.get_product(session, actor, product_id)
    query = run_lists.RunListQuery(scope="product", product=product_id, page=page)
    runs = run_lists.browse(session, actor, source, query, per_page=settings.results_per_page)
    if fmt == "json":
        return downloads.json_response(runs.to_dict(), f"product-{product_id[:8]}-runs.json")
    if fmt == "csv":
        return downloads.csv_response(
            run_lists.csv_rows(runs), f"product-{product_id[:8]}-runs.csv"
        )
    trend = run_lists.version_trend(session, actor, source, product_id)
    try:
        vendor = vendors.get_vendor(session, actor, product["organization_id"])
    except ServiceError:  # a private vendor the visitor may not see: show the product alone
        vendor = None
    return render(
        request,
        "products/detail.html",
        {
            "title": product["name"],
            "p": product,
            "vendor": vendor,
            "can_publish": vendors.can_publish_products(vendor),
            "type": PRODUCT_TYPES.get(product["product_type"], "?"),
            "versions": products.list_versions(session, actor, product_id),
            "runs": runs,
            "trend": trend,
            "trend_rows": [_trend_row(v) for v in trend],
            "vendor_kinds": VENDOR_KINDS,
            "certificates": certificates.product_certificates(session, gs, terms, product_id),
        },
    )


def _trend_row(version: dict[str, Any]) -> dict[str, Any]:
    """One bar of the versions chart (formatting only)."""
    label = version["version"] or "(default)"
    if version["run"] is None:
        return {"label": label, "value": 0, "text": "no run", "ok": False}
    ev = version["run"]["evaluation"]
    percent = ev["pass_percent"] or 0
    text = f"{percent:.1f}".removesuffix(".0") + "%" + (" meets" if ev["meets"] else "")
    return {
        "label": f"{label} · {ev['guideline']} {ev['target']}",
        "value": percent,
        "text": text,
        "ok": ev["meets"],
    }


def _back(product_id: str) -> RedirectResponse:
    return RedirectResponse(f"/products/{product_id}", status_code=303)


@router.post("/products/{product_id}/edit", dependencies=CSRF, name="web.product.edit")
def edit(
    request: Request,
    product_id: str,
    session: SessionDep,
    actor: UserDep,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if not name.strip():
        raise InvalidInput("A product needs a name")
    products.update_product(
        session, actor, product_id, {"name": name.strip(), "description": description or None}
    )
    flash(request, "Product saved.", "success")
    return _back(product_id)


@router.post("/products/{product_id}/public", dependencies=CSRF, name="web.product.public")
def set_public(
    request: Request,
    product_id: str,
    session: SessionDep,
    actor: UserDep,
    public: Annotated[str, Form()],
) -> RedirectResponse:
    products.update_product(session, actor, product_id, {"public": public == "true"})
    flash(
        request,
        "The product is public." if public == "true" else "The product is private.",
        "success",
    )
    return _back(product_id)


@router.post("/products/{product_id}/versions", dependencies=CSRF, name="web.product.versions.add")
def add_version(
    request: Request,
    product_id: str,
    session: SessionDep,
    actor: UserDep,
    version: Annotated[str, Form()],
    cpid: Annotated[str, Form()] = "",
) -> RedirectResponse:
    products.create_version(
        session, actor, product_id, {"version": version, "cpid": cpid.strip() or None}
    )
    flash(request, f"Version {version.strip()} added.", "success")
    return _back(product_id)


@router.post(
    "/products/{product_id}/versions/{version_id}",
    dependencies=CSRF,
    name="web.product.version.edit",
)
def edit_version(
    request: Request,
    product_id: str,
    version_id: str,
    session: SessionDep,
    actor: UserDep,
    cpid: Annotated[str, Form()] = "",
) -> RedirectResponse:
    products.update_version(session, actor, product_id, version_id, {"cpid": cpid.strip() or None})
    flash(request, "Cloud provider id saved.", "success")
    return _back(product_id)


@router.post(
    "/products/{product_id}/versions/{version_id}/delete",
    dependencies=CSRF,
    name="web.product.version.delete",
)
def delete_version(
    request: Request, product_id: str, version_id: str, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    products.delete_version(session, actor, product_id, version_id)
    flash(request, "Version deleted.", "success")
    return _back(product_id)


@router.post("/products/{product_id}/delete", dependencies=CSRF, name="web.product.delete")
def delete(
    request: Request, product_id: str, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    products.delete_product(session, actor, product_id)
    flash(request, "Product deleted.", "success")
    return RedirectResponse("/products/mine", status_code=303)
