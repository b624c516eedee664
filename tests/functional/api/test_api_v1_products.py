"""Vendors, products, versions and cpid auto-association over real HTTP."""

from __future__ import annotations

import base64
import uuid

import httpx
from api_signing import new_key, run_content, sign, signed_upload, ssh_line


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_vendor_workflow_products_and_association(live_server, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    vendor_admin = live_server.user(fresh("vendor-admin"))
    outsider = live_server.user(fresh("outsider"))
    foundation = live_server.user(fresh("foundation"), foundation=True)
    va, out, fnd = bearer(vendor_admin), bearer(outsider), bearer(foundation)

    assert http.post("/v1/vendors", json={"name": "x"}).status_code == 401
    vendor_id = http.post(
        "/v1/vendors", json={"name": "ACME", "description": "d"}, headers=va
    ).json()["id"]
    mine = http.get("/v1/vendors", headers=va).json()["vendors"]
    assert {
        "id": vendor_id,
        "type": 1,
        "name": "ACME",
        "description": "d",
        "can_manage": True,
    } in mine
    assert vendor_id not in [
        v["id"] for v in http.get("/v1/vendors", headers=out).json()["vendors"]
    ]
    assert http.get(f"/v1/vendors/{vendor_id}", headers=out).status_code == 403

    # registration: private -> pending -> official
    assert (
        http.post(f"/v1/vendors/{vendor_id}/action", json={"approve": True}, headers=va).status_code
        == 403
    )
    bad = http.post(f"/v1/vendors/{vendor_id}/action", json={"cancel": True}, headers=va)
    assert (bad.status_code, bad.json()["title"]) == (
        400,
        "Invalid organization state for this action.",
    )
    assert (
        http.post(
            f"/v1/vendors/{vendor_id}/action", json={"register": True}, headers=va
        ).status_code
        == 201
    )
    assert (
        http.post(
            f"/v1/vendors/{vendor_id}/action", json={"approve": True}, headers=fnd
        ).status_code
        == 201
    )
    assert http.get(f"/v1/vendors/{vendor_id}", headers=out).json()["type"] == 3
    renamed = http.put(f"/v1/vendors/{vendor_id}", json={"name": "ACME2"}, headers=va)
    assert renamed.json()["detail"] == "Name change for an official vendor is not allowed."

    # a product with a version carrying a cpid
    product_id = http.post(
        "/v1/products",
        json={"name": "ACME Cloud", "product_type": 1, "organization_id": vendor_id},
        headers=va,
    ).json()["id"]
    assert http.get(f"/v1/products/{product_id}", headers=out).status_code == 403
    cpid = fresh("cpid")
    version = http.post(
        f"/v1/products/{product_id}/versions", json={"version": "1.0", "cpid": cpid}, headers=va
    ).json()
    assert version["cpid"] == cpid and version["product_id"] == product_id
    versions = http.get(f"/v1/products/{product_id}/versions", headers=va).json()
    assert sorted(v["version"] or "" for v in versions) == ["", "1.0"]
    null_version = next(v for v in versions if v["version"] is None)
    r = http.delete(f"/v1/products/{product_id}/versions/{null_version['id']}", headers=va)
    assert r.status_code == 400

    # a signed upload by the vendor admin with that cpid is associated automatically
    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    assert http.post("/v1/profile/pubkeys", json=payload, headers=va).status_code == 201
    body, headers = signed_upload(key, run_content(2, cpid=cpid))
    test_id = http.post("/v1/results/", content=body, headers=headers).json()["test_id"]
    detail = http.get(f"/v1/results/{test_id}", headers=va).json()
    assert detail["product_version"]["id"] == version["id"]
    assert detail["product_version"]["product_info"] == {
        "id": product_id,
        "name": "ACME Cloud",
        "organization_id": vendor_id,
        "public": False,
    }
    # product listing of runs: admins see all; others 403 while private
    by_product = http.get("/v1/results", params={"product_id": product_id}, headers=va).json()
    assert [i["id"] for i in by_product["results"]] == [test_id]
    assert (
        http.get("/v1/results", params={"product_id": product_id}, headers=out).status_code == 403
    )
    assert http.get("/v1/results", params={"product_id": "nope"}).status_code == 404
    # public product: others see only listed (anonymous/shared) runs of it
    assert http.put(f"/v1/products/{product_id}", json={"public": True}, headers=va).json()[
        "public"
    ]
    assert (
        http.get("/v1/results", params={"product_id": product_id}, headers=out).json()["results"]
        == []
    )
    assert http.get("/v1/products", headers=out).json()["products"][0]["id"] == product_id or any(
        p["id"] == product_id for p in http.get("/v1/products", headers=out).json()["products"]
    )
    # cannot delete a product (or the version) still used by a run
    r = http.delete(f"/v1/products/{product_id}", headers=va)
    assert (r.status_code, r.json()["title"]) == (
        400,
        "Unable to delete. There are still tests associated to versions of this product.",
    )
    # un-associate, then delete
    r = http.put(f"/v1/results/{test_id}", json={"product_version_id": None}, headers=va)
    assert r.status_code == 201 and r.json()["product_version"] is None
    assert http.delete(f"/v1/products/{product_id}", headers=va).status_code == 204

    # vendor users: add the outsider by base64 openid
    me = http.get("/v1/profile", headers=out).json()["openid"]
    encoded = base64.b64encode(me.encode()).decode()
    assert http.put(f"/v1/vendors/{vendor_id}/users/{encoded}", headers=va).status_code == 204
    users = http.get(f"/v1/vendors/{vendor_id}/users", headers=out).json()
    assert me in [u["openid"] for u in users]


def test_product_without_vendor_gets_a_private_one(live_server, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    token = live_server.user(fresh("solo"))
    product_id = http.post(
        "/v1/products",
        json={"name": "Distro", "product_type": 0, "version": "2"},
        headers=bearer(token),
    ).json()["id"]
    product = http.get(f"/v1/products/{product_id}", headers=bearer(token)).json()
    assert product["type"] == 1 and product["product_ref_id"] and product["public"] is False
    r = http.put(f"/v1/products/{product_id}", json={"public": True}, headers=bearer(token))
    assert r.status_code == 403  # a private vendor's product stays private
    bad = http.post("/v1/products", json={"name": "", "product_type": 9}, headers=bearer(token))
    assert bad.status_code == 400


def test_wrong_types_are_400_and_change_nothing(live_server, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    """A number or an object where text belongs is RefStack's schema error, not a 500
    from the database driver, and nothing of the request is stored."""
    va = bearer(live_server.user(fresh("types")))

    def schema_error(r: httpx.Response) -> None:
        assert r.status_code == 400, r.text
        assert r.json() == {"title": "Request doesnt correspond to schema", "code": 400}

    before = http.get("/v1/vendors", headers=va).json()["vendors"]
    schema_error(http.post("/v1/vendors", json={"name": "V", "description": {"a": 1}}, headers=va))
    assert http.get("/v1/vendors", headers=va).json()["vendors"] == before
    products_before = http.get("/v1/products", headers=va).json()["products"]
    for bad in ({"description": ["x"]}, {"organization_id": 7}, {"version": {"v": 1}}):
        r = http.post("/v1/products", json={"name": "P", "product_type": 1, **bad}, headers=va)
        schema_error(r)
    assert http.get("/v1/products", headers=va).json()["products"] == products_before

    product_id = http.post(
        "/v1/products", json={"name": "P", "product_type": 1}, headers=va
    ).json()["id"]
    original = http.get(f"/v1/products/{product_id}", headers=va).json()
    for bad in (
        {"name": {"a": 1}},
        {"name": "  "},
        {"name": "Q", "description": 3},
        {"product_ref_id": []},
    ):
        schema_error(http.put(f"/v1/products/{product_id}", json=bad, headers=va))
    deep = http.put(f"/v1/products/{product_id}", content=b"[" * 100_000, headers=va)
    assert deep.json() == {"title": "Malformed request", "code": 400}
    assert http.get(f"/v1/products/{product_id}", headers=va).json() == original
    versions = f"/v1/products/{product_id}/versions"
    schema_error(http.post(versions, json={"version": "1", "cpid": {"x": 1}}, headers=va))
    schema_error(http.post(versions, json={"version": 1}, headers=va))
    version = http.post(versions, json={"version": "1", "cpid": "c"}, headers=va).json()
    schema_error(http.put(f"{versions}/{version['id']}", json={"cpid": 5}, headers=va))
    assert http.get(versions, headers=va).json()[-1]["cpid"] == "c"
