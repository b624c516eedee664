"""Issue 10, items 3 and 4: a cookie-authenticated change needs the CSRF token on every route
(API included), and a login ends server-side when the user logs out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from web_client import CSRF


@pytest.fixture
def victim(web: Any, visit: Any) -> Any:
    """A logged-in browser (cookie only) whose user owns one private run."""
    name, token = web.user("victim")
    browser = visit()
    browser.login(name)
    r = browser.post(
        "/v1/results",
        content=json.dumps({"cpid": "c1", "duration_seconds": 1, "results": [{"name": "t.a"}]}),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    browser.run_id = r.json()["test_id"]
    browser.token = token
    return browser


# what an attacker's page can send with the victim's cookie: no custom header, a simple type
ATTACKS = [
    ("/v1/results/{run}/meta/shared", "true"),
    ("/v1/profile/pubkeys", json.dumps({"raw_key": "ssh-rsa AAAA x", "self_signature": "00"})),
    ("/v1/vendors", json.dumps({"name": "Evil Corp"})),
    ("/v2/runs", "t.a\n"),
    ("/v2/usage", "kind: client\nname: evil\ncapabilities: []\n"),
]


@pytest.mark.parametrize(("path", "body"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_cookie_without_csrf_token_changes_nothing(victim: Any, path: str, body: str) -> None:
    url = path.format(run=victim.run_id)
    for headers in (
        {"content-type": "text/plain"},
        {"content-type": "text/plain", "origin": "https://evil.example"},
        {"content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site"},
    ):
        r = victim.post(url, content=body, headers=headers)
        assert r.status_code == 403, (url, headers, r.status_code, r.text)
    # nothing changed: the run is not shared, no key was planted
    meta = victim.get(f"/v1/results/{victim.run_id}/meta")
    assert meta.status_code == 200 and "shared" not in meta.json(), meta.text
    assert victim.get("/v1/profile/pubkeys").json() == []


def test_cookie_with_token_and_same_origin_is_accepted(victim: Any) -> None:
    token = CSRF.search(victim.get("/").text)
    assert token, "every page carries the CSRF token"
    r = victim.post(
        f"/v1/results/{victim.run_id}/meta/shared",
        content="true",
        headers={"x-csrf-token": token.group(1), "origin": "http://localhost"},
    )
    assert r.status_code in (200, 201), r.text
    assert "shared" in victim.get(f"/v1/results/{victim.run_id}/meta").json()


def test_bearer_token_needs_no_csrf(victim: Any, visit: Any) -> None:
    script = visit()  # no cookie: what refstack-client and scripts do
    r = script.post(
        f"/v1/results/{victim.run_id}/meta/shared",
        content="true",
        headers={"authorization": f"Bearer {victim.token}", "content-type": "text/plain"},
    )
    assert r.status_code in (200, 201), r.text


def test_a_copied_cookie_dies_at_logout(web: Any, visit: Any) -> None:
    name, _ = web.user("copied")
    browser = visit()
    browser.login(name)
    assert browser.get("/v1/profile").status_code == 200
    cookie = browser._client.cookies.get("refcore_session")
    thief = visit()
    thief._client.cookies.set("refcore_session", cookie)
    assert thief.get("/v1/profile").json()["openid"] == name  # the copy works while logged in
    r = browser.submit("/logout", {}, page="/")
    assert r.status_code == 303, r.text
    assert browser.get("/v1/profile").status_code == 401
    assert thief.get("/v1/profile").status_code == 401  # replayed after logout: ended


def test_login_rows_are_removed_at_logout(web: Any, visit: Any) -> None:
    from sqlalchemy import func, select

    from refcore.storage.models import LoginSession, User

    name, _ = web.user("rows")
    browser = visit()

    def count() -> int:
        with web.db.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(LoginSession)
                    .join(User, User.id == LoginSession.user_id)
                    .where(User.openid == name)
                )
                or 0
            )

    browser.login(name)
    assert count() == 1
    browser.submit("/logout", {}, page="/")
    assert count() == 0
