"""Login, profile (keys, tokens), vendors and products through the pages."""

from __future__ import annotations

import re
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def test_dev_login_only_for_existing_users_and_local_redirects(web, visit) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    unknown = v.submit("/login", {"username": "nobody-" + uuid.uuid4().hex})
    assert unknown.status_code == 404 and "refcore admin create-user" in unknown.text
    name, _ = web.user()
    r = v.submit("/login", {"username": name, "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert f'<a href="/profile" class="user">{name}</a>' in v.get("/").text
    assert v.submit("/logout", page="/").status_code == 303
    assert 'class="user"' not in v.get("/").text


def test_login_page_without_any_login_configured(web, guidelines) -> None:  # type: ignore[no-untyped-def]
    from web_client import Visitor

    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    settings = Settings(database_url=web.db.url, dev_login=False, secret_key="x")
    app = create_app(settings, db=web.db, guidelines=FixedSource(guidelines))
    v = Visitor(app)
    try:
        page = v.get("/login").text
        assert "Login is not configured" in page and 'name="username"' not in page
        name, _ = web.user()
        r = v.post("/login", data={"csrf": "none", "username": name})
        assert r.status_code in (403, 404)
        assert name not in v.get("/").text
    finally:
        v.close()


def test_tokens_are_shown_once_work_and_can_be_revoked(web, visit) -> None:  # type: ignore[no-untyped-def]
    name, _ = web.user()
    v = visit()
    v.login(name)
    created = v.submit("/profile/tokens", {"name": "ci"}, page="/profile")
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    page = created.text
    token = re.search(r'id="new-token" readonly value="([^"]+)"', page).group(1)
    assert "not shown again" in page
    # the token never travels in the session cookie, and is shown only once
    assert all(token not in c for c in created.headers.get_list("set-cookie"))
    assert token not in v.get("/profile").text
    api = visit()
    me = api.get("/v1/profile", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["openid"] == name
    row = re.search(r"<tr><td>ci</td>.*?</tr>", v.get("/profile").text, re.S).group(0)
    token_id = re.search(r'action="/profile/tokens/(\d+)/delete"', row).group(1)
    assert v.submit(f"/profile/tokens/{token_id}/delete", page="/profile").status_code == 303
    assert api.get("/v1/profile", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_public_key_import_checks_the_self_signature(web, visit) -> None:  # type: ignore[no-untyped-def]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    line = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
        + " me@laptop"
    )
    good = key.sign(b"signature", padding.PKCS1v15(), hashes.SHA256()).hex()
    bad = key.sign(b"something else", padding.PKCS1v15(), hashes.SHA256()).hex()
    name, _ = web.user()
    v = visit()
    v.login(name)
    refused = v.submit("/profile/keys", {"raw_key": line, "self_signature": bad}, page="/profile")
    assert refused.status_code == 400 and "Signature verification failed" in refused.text
    ok = v.submit("/profile/keys", {"raw_key": line, "self_signature": good}, page="/profile")
    assert ok.status_code == 303
    page = v.get("/profile").text
    assert "me@laptop" in page and "Public key imported" in page


def test_vendor_registration_workflow(web, visit) -> None:  # type: ignore[no-untyped-def]
    name, _ = web.user("vendor")
    admin, _ = web.user("foundation", foundation=True)
    owner, foundation, anonymous = visit(), visit(), visit()
    owner.login(name)
    foundation.login(admin)
    vendor = "Cloud " + uuid.uuid4().hex[:6]
    r = owner.submit("/vendors", {"name": vendor, "description": "a test vendor"}, page="/vendors")
    url = r.headers["location"]
    assert "private" in owner.get(url).text
    assert anonymous.get(url).status_code == 403  # a private vendor is not public
    owner.submit(url + "/action", {"action": "register"}, page="/vendors")
    assert "registration pending" in owner.get(url).text
    no_reason = foundation.submit(url + "/action", {"action": "deny", "reason": ""}, page="/")
    assert no_reason.status_code == 400 and "reason for denying" in no_reason.text
    foundation.submit(url + "/action", {"action": "deny", "reason": "no such company"}, page="/")
    assert "denied the last registration: no such company" in owner.get(url).text
    owner.submit(url + "/action", {"action": "register"}, page="/vendors")
    not_allowed = owner.submit(url + "/action", {"action": "approve"}, page="/vendors")
    assert not_allowed.status_code == 403
    foundation.submit(url + "/action", {"action": "approve"}, page="/")
    assert "official" in anonymous.get(url).text
    assert vendor in anonymous.get("/vendors").text


def test_product_versions_public_toggle_and_runs(web, visit) -> None:  # type: ignore[no-untyped-def]
    name, token = web.user("vendor")
    owner, anonymous = visit(), visit()
    owner.login(name)
    r = owner.submit(
        "/products", {"name": "Cloud X", "product_type": "1", "version": "1.0"}, page="/products"
    )
    assert r.status_code == 303
    url = r.headers["location"]
    page = owner.get(url).text
    assert "(default)" in page and ">1.0<" in page
    assert anonymous.get(url).status_code == 403  # private product
    refused = owner.submit(url + "/public", {"public": "true"}, page="/products")
    assert refused.status_code == 403 and "official vendor" in refused.text
    owner.submit(url + "/versions", {"version": "2.0", "cpid": "cpid-x"}, page="/products")
    page = owner.get(url).text
    assert 'value="cpid-x"' in page
    duplicate = owner.submit(url + "/versions", {"version": "2.0"}, page="/products")
    assert duplicate.status_code == 409
    # associate a run with version 2.0 from its report page; the product lists it
    body = '{"cpid": "other", "duration_seconds": 1, "results": [{"name": "tempest.a.b"}]}'
    run = owner.post(
        "/v1/results/",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    ).json()["test_id"]
    report = owner.get(f"/results/{run}").text
    version_id = re.search(r'<option value="([^"]+)"[^>]*>Cloud X 2\.0</option>', report).group(1)
    owner.submit(f"/results/{run}/product", {"version": version_id}, page="/products")
    assert f'href="/results/{run}"' in owner.get(url).text


def test_session_cookie_flags(web, guidelines) -> None:  # type: ignore[no-untyped-def]
    """HttpOnly and SameSite=Lax always; Secure when configured or when the public URLs
    are https (a session cookie sent over plain HTTP can be read off the wire)."""
    from web_client import Visitor

    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    def cookie(**settings: object) -> str:
        app = create_app(
            Settings(database_url=web.db.url, secret_key="x", **settings),
            db=web.db,
            guidelines=FixedSource(guidelines),
        )
        v = Visitor(app)
        try:
            return v.get("/login").headers["set-cookie"].lower()
        finally:
            v.close()

    plain = cookie()
    assert plain.startswith("refcore_session=")
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    assert "; secure" in cookie(secure_cookies=True)
    assert "; secure" in cookie(api_url="https://refstack.example.org")
    assert "secure" not in cookie(api_url="https://refstack.example.org", secure_cookies=False)
