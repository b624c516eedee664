"""OpenID Connect login end to end: ``refcore serve`` against a real local provider.

Everything crosses real HTTP: the browser-like client follows redirects from
refcore to the provider and back; refcore fetches the provider's discovery
document, exchanges the code at ``/token`` with its client secret and checks
the ID token's RS256 signature against ``/jwks`` (see ``tests/oidc_provider.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from oidc_provider import OIDCProvider, running_provider
from refcore_testing import LiveServer, _fresh_database, free_port, start_server, stop_server

OIDC_LINK = re.compile(r'<a[^>]*href="([^"]+)"[^>]*>Log in with OpenID Connect</a>')
HEADER_USER = re.compile(r'<a href="/profile" class="user">([^<]+)</a>')


@pytest.fixture(scope="module")
def provider() -> Iterator[OIDCProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def idp(provider: OIDCProvider) -> Iterator[OIDCProvider]:
    """The provider, its knobs put back after each test."""
    user = dict(provider.user)
    yield provider
    provider.user = user
    provider.tamper_signature = provider.deny = False
    provider.id_token_overrides = {}


def _serve(
    kind: str,
    name: str,
    interop: Path,
    tmp: pytest.TempPathFactory,
    env: dict[str, str],
    *args: str,
) -> Iterator[LiveServer]:
    url, cleanup = _fresh_database(kind, name, tmp)
    process, base = start_server(url, interop, *args, env=env)
    server = LiveServer(base, url, process)
    try:
        yield server
    finally:
        server.close()
        stop_server(process)
        cleanup()


@pytest.fixture(scope="module")
def server(
    db_kind: str,
    provider: OIDCProvider,
    interop_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    env = {
        "REFCORE_OIDC_SERVER_METADATA_URL": provider.metadata_url,
        "REFCORE_OIDC_CLIENT_ID": provider.client_id,
        "REFCORE_OIDC_CLIENT_SECRET": provider.client_secret,
        "REFCORE_SECRET_KEY": "oidc-test-secret",
    }
    for live in _serve(db_kind, "oidc", interop_dir, tmp_path_factory, env):
        provider.redirect_uris = {f"{live.url}/v1/auth/signin_return"}
        yield live


@pytest.fixture(scope="module")
def plain_server(
    interop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from _serve("sqlite", "no-oidc", interop_dir, tmp_path_factory, {})


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        yield client


def login(browser: httpx.Client, server: LiveServer) -> httpx.Response:
    """Click "Log in", then the OpenID Connect button; the last response of the redirects."""
    page = browser.get(server.url + "/login")
    assert page.status_code == 200
    found = OIDC_LINK.search(page.text)
    assert found, "no OpenID Connect button on /login"
    return browser.get(urljoin(str(page.url), found.group(1)))


def openid_of(provider: OIDCProvider, sub: str) -> str:
    return f"{provider.issuer}#{sub}"


def users_named(server: LiveServer, openid: str) -> int:
    from sqlalchemy import func, select

    from refcore.storage.models import User

    with server.db.read() as session:
        return int(session.scalar(select(func.count()).where(User.openid == openid)) or 0)


def assert_refused(response: httpx.Response, server: LiveServer, browser: httpx.Client) -> None:
    """An HTML error page that says the login failed, and nobody logged in."""
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "OpenID Connect login failed" in response.text
    assert not HEADER_USER.search(response.text)
    assert browser.get(server.url + "/v1/profile").status_code == 401


# -- a successful login ---------------------------------------------------------------------------
def test_login_round_trip(server: LiveServer, idp: OIDCProvider, browser: httpx.Client) -> None:
    idp.user = {"sub": "ada-7", "email": "ada@example.org", "name": "Ada Lovelace"}
    final = login(browser, server)

    assert final.status_code == 200
    assert str(final.url) == server.url + "/"
    hops = [str(r.url) for r in final.history]
    assert hops[0] == server.url + "/v1/auth/signin"
    assert hops[1].startswith(idp.url + "/authorize?")
    assert hops[2].startswith(server.url + "/v1/auth/signin_return?")
    authorize = parse_qs(urlsplit(hops[1]).query)
    assert authorize["redirect_uri"] == [server.url + "/v1/auth/signin_return"]
    assert authorize["nonce"] and authorize["state"]
    assert {"/token", "/jwks"} <= set(idp.log)  # the code was exchanged, the key fetched

    openid = openid_of(idp, "ada-7")
    found = HEADER_USER.search(final.text)
    assert found and found.group(1) == openid
    me = browser.get(server.url + "/v1/profile")
    assert me.status_code == 200
    assert me.json() == {
        "openid": openid,
        "email": "ada@example.org",
        "fullname": "Ada Lovelace",
        "is_admin": False,
    }
    assert browser.get(server.url + "/profile").status_code == 200


def test_login_lands_where_it_started(server: LiveServer, idp: OIDCProvider) -> None:
    idp.user = {"sub": "mary-9", "email": "mary@example.org", "name": "Mary"}
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        page = client.get(
            server.url + "/login", params={"next": "/results/mine?start_date=2020-01-01"}
        )
        link = OIDC_LINK.search(page.text)
        assert link and "next=" in link.group(1)
        final = client.get(urljoin(str(page.url), link.group(1).replace("&amp;", "&")))
        assert final.status_code == 200
        assert str(final.url) == server.url + "/results/mine?start_date=2020-01-01"
        assert HEADER_USER.search(final.text)
    # a target off the site is ignored: the login lands on the home page
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        final = client.get(server.url + "/v1/auth/signin", params={"next": "//evil.example/x"})
        assert str(final.url) == server.url + "/"


def test_second_login_of_same_subject_is_the_same_user(
    server: LiveServer, idp: OIDCProvider
) -> None:
    idp.user = {"sub": "grace-1", "email": "grace@example.org", "name": "Grace Hopper"}
    with httpx.Client(follow_redirects=True, timeout=30) as first:
        assert login(first, server).status_code == 200
        first_profile = first.get(server.url + "/v1/profile").json()

    idp.user = {"sub": "grace-1", "email": "grace@navy.example", "name": "Grace B. Hopper"}
    with httpx.Client(follow_redirects=True, timeout=30) as second:
        assert login(second, server).status_code == 200
        second_profile = second.get(server.url + "/v1/profile").json()

    openid = openid_of(idp, "grace-1")
    assert first_profile["openid"] == second_profile["openid"] == openid
    assert users_named(server, openid) == 1
    # a login refreshes what the provider says about the user
    assert second_profile["email"] == "grace@navy.example"
    assert second_profile["fullname"] == "Grace B. Hopper"


def test_another_subject_is_another_user(server: LiveServer, idp: OIDCProvider) -> None:
    idp.user = {"sub": "linus-2", "email": "linus@example.org", "name": "Linus"}
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        login(client, server)
        assert client.get(server.url + "/v1/profile").json()["openid"] == openid_of(idp, "linus-2")


def test_signout_ends_the_session(
    server: LiveServer, idp: OIDCProvider, browser: httpx.Client
) -> None:
    idp.user = {"sub": "ken-3", "email": "ken@example.org", "name": "Ken"}
    login(browser, server)
    assert browser.get(server.url + "/v1/profile").status_code == 200
    out = browser.get(server.url + "/v1/auth/signout")
    assert out.status_code == 200
    assert browser.get(server.url + "/v1/profile").status_code == 401


def test_login_with_several_workers(
    idp: OIDCProvider, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``--workers 2`` without REFCORE_SECRET_KEY: every worker must read the same cookie.

    Each request opens a new connection, so the hops land on either worker.
    """
    env = {
        "REFCORE_OIDC_SERVER_METADATA_URL": idp.metadata_url,
        "REFCORE_OIDC_CLIENT_ID": idp.client_id,
        "REFCORE_OIDC_CLIENT_SECRET": idp.client_secret,
    }
    for live in _serve(
        "sqlite", "oidc-workers", interop_dir, tmp_path_factory, env, "--workers", "2"
    ):
        callback = f"{live.url}/v1/auth/signin_return"
        idp.redirect_uris.add(callback)
        for i in range(4):
            idp.user = {"sub": f"worker-{i}", "email": "w@example.org", "name": "W"}
            headers = {"Connection": "close"}
            with httpx.Client(follow_redirects=True, timeout=30, headers=headers) as client:
                assert login(client, live).status_code == 200
                for _ in range(3):
                    me = client.get(live.url + "/v1/profile")
                    assert me.status_code == 200
                    assert me.json()["openid"] == openid_of(idp, f"worker-{i}")
        idp.redirect_uris.discard(callback)


# -- refused logins -------------------------------------------------------------------------------
def test_tampered_id_token_signature_is_refused(
    server: LiveServer, idp: OIDCProvider, browser: httpx.Client
) -> None:
    idp.user = {"sub": "mallory-1", "email": "mallory@example.org", "name": "Mallory"}
    idp.tamper_signature = True
    final = login(browser, server)
    assert_refused(final, server, browser)
    assert "signature" in final.text.lower()
    assert users_named(server, openid_of(idp, "mallory-1")) == 0


@pytest.mark.parametrize(
    "claim, value, said",
    [
        ("aud", "someone-else", "claim"),  # authlib words it as the missing 'azp'
        ("nonce", "not-the-nonce", "nonce"),
        ("iss", "https://evil.example", "iss"),
        ("exp", 1_000_000_000, "expired"),
    ],
)
def test_id_token_with_wrong_claims_is_refused(
    server: LiveServer,
    idp: OIDCProvider,
    browser: httpx.Client,
    claim: str,
    value: object,
    said: str,
) -> None:
    idp.user = {"sub": "mallory-2", "email": "mallory@example.org", "name": "Mallory"}
    idp.id_token_overrides = {claim: value}
    final = login(browser, server)
    assert_refused(final, server, browser)
    assert said in final.text
    assert users_named(server, openid_of(idp, "mallory-2")) == 0


def test_wrong_state_is_refused(server: LiveServer, idp: OIDCProvider) -> None:
    idp.user = {"sub": "eve-1", "email": "eve@example.org", "name": "Eve"}
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        to_idp = client.get(server.url + "/v1/auth/signin")
        assert to_idp.status_code == 302
        back = client.get(to_idp.headers["location"])
        assert back.status_code == 302
        params = parse_qs(urlsplit(back.headers["location"]).query)
        forged = {"code": params["code"][0], "state": params["state"][0] + "x"}
        final = client.get(f"{server.url}/v1/auth/signin_return?{urlencode(forged)}")
        assert_refused(final, server, client)
        assert "state" in final.text
    assert users_named(server, openid_of(idp, "eve-1")) == 0


def test_callback_from_another_browser_is_refused(server: LiveServer, idp: OIDCProvider) -> None:
    """Login CSRF: a code and state minted for one browser are useless in another."""
    idp.user = {"sub": "eve-2", "email": "eve@example.org", "name": "Eve"}
    with httpx.Client(follow_redirects=False, timeout=30) as attacker:
        back = attacker.get(attacker.get(server.url + "/v1/auth/signin").headers["location"])
        callback = back.headers["location"]
    with httpx.Client(follow_redirects=True, timeout=30) as victim:
        assert_refused(victim.get(callback), server, victim)
    assert users_named(server, openid_of(idp, "eve-2")) == 0


def test_provider_refusal_is_shown(
    server: LiveServer, idp: OIDCProvider, browser: httpx.Client
) -> None:
    idp.deny = True
    final = login(browser, server)
    assert_refused(final, server, browser)
    assert "The user said no" in final.text


# -- not configured -------------------------------------------------------------------------------
def test_without_oidc_settings_login_is_off(plain_server: LiveServer) -> None:
    with httpx.Client(base_url=plain_server.url, timeout=30) as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert "Login is not configured on this server" in page.text
        assert not OIDC_LINK.search(page.text)
        for path in ("/v1/auth/signin", "/v1/auth/signin_return?code=x&state=y"):
            r = client.get(path)
            assert r.status_code == 404, path
            assert "OpenID Connect login is not configured" in r.text


def test_unreachable_provider_is_a_clear_page(
    interop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    env = {"REFCORE_OIDC_SERVER_METADATA_URL": nowhere, "REFCORE_OIDC_CLIENT_ID": "x"}
    for live in _serve("sqlite", "oidc-down", interop_dir, tmp_path_factory, env):
        with httpx.Client(base_url=live.url, timeout=30) as client:
            r = client.get("/v1/auth/signin")
            assert r.status_code == 502
            assert r.headers["content-type"].startswith("text/html")
            assert "OpenID Connect login failed" in r.text
            assert nowhere in r.text and "could not be read" in r.text
