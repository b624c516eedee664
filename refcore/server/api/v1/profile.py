"""RefStack v1 ``/v1/profile`` (the caller, their public keys) and ``/v1/auth`` (web login).

Login is OpenID Connect through authlib when ``REFCORE_OIDC_*`` is configured
(RefStack's OpenID 2.0 IdP is gone); API tokens and signing keys work without it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from refcore.errors import InvalidInput, NotFound
from refcore.server.api.v1.results import json_object
from refcore.server.auth import begin_login, end_login, login_id
from refcore.server.deps import ActorDep, SessionDep, SettingsDep, state
from refcore.server.errors import error_response
from refcore.server.routing import BodyDep, Route, body_limit
from refcore.services import accounts
from refcore.services.fields import local_path

router = APIRouter(prefix="/v1", tags=["v1 profile"], route_class=Route)
log = logging.getLogger("refcore.server")


@router.get("/profile")
def profile(session: SessionDep, actor: ActorDep) -> dict[str, object]:
    return accounts.profile(session, actor)


@router.get("/profile/pubkeys")
def pubkeys(session: SessionDep, actor: ActorDep) -> list[dict[str, object]]:
    return accounts.list_public_keys(session, actor)


@router.post("/profile/pubkeys", status_code=201)
@body_limit("max_json_bytes")
def add_pubkey(body: BodyDep, session: SessionDep, actor: ActorDep) -> str:
    actor.require_login()
    doc = json_object(body)
    raw_key, signature = doc.get("raw_key"), doc.get("self_signature")
    if not isinstance(raw_key, str) or not isinstance(signature, str):
        raise InvalidInput(
            "Request doesnt correspond to schema",
            errors=["raw_key and self_signature (strings) are required"],
        )
    return accounts.add_public_key(session, actor, raw_key, signature)


@router.delete("/profile/pubkeys/{key_id}", status_code=204)
def delete_pubkey(key_id: str, session: SessionDep, actor: ActorDep) -> Response:
    accounts.delete_public_key(session, actor, key_id)
    return Response(status_code=204)


# -- web login (OpenID Connect) ----------------------------------------------------------------
def _oauth(request: Request) -> Any:
    settings = state(request).settings
    if not settings.oidc_enabled:
        raise NotFound("OpenID Connect login is not configured on this server")
    client = getattr(request.app.state, "refcore_oidc", None)
    if client is None:
        from authlib.integrations.starlette_client import OAuth

        oauth = OAuth()
        oauth.register(
            name="oidc",
            server_metadata_url=settings.oidc_server_metadata_url,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            client_kwargs={"scope": settings.oidc_scope},
        )
        client = oauth.create_client("oidc")
        request.app.state.refcore_oidc = client
    return client


def _ui(request: Request, settings: Any, fragment: str = "") -> str:
    return f"{settings.results_ui_url}/{fragment}"


#: what a failed exchange means to a person (authlib/joserfc error codes -> words)
_REASONS = {
    "bad_signature": "the ID token's signature does not verify with the provider's keys",
    "mismatching_state": "the login's state does not match this browser's; start the login again",
}


def _reason(exc: Exception) -> str:
    code = getattr(exc, "error", None)
    if isinstance(code, str) and code in _REASONS:
        return f"{_REASONS[code]} ({code})"
    return str(exc) or type(exc).__name__


def _login_failed(request: Request, reason: str, status: int = 401) -> Response:
    """A person in a browser gets a page saying why (RefStack sent them to ``#/auth_failure``)."""
    log.warning("OpenID Connect login failed: %s", reason)
    return error_response(request, status, "OpenID Connect login failed.", [reason])


_LOGIN_NEXT = "login_next"


@router.get("/auth/signin")
async def signin(request: Request, settings: SettingsDep, next: str | None = None) -> Any:
    """Start an OpenID Connect login; ``next`` (a path on this site) is where the
    browser lands once logged in."""
    target = local_path(next)
    if login_id(request):
        return RedirectResponse(_ui(request, settings, target.lstrip("/")), status_code=302)
    client = _oauth(request)
    request.session[_LOGIN_NEXT] = target  # checked here; the session cookie is signed
    redirect_uri = f"{settings.public_url}/v1/auth/signin_return"
    try:  # the first login fetches the provider's discovery document
        return await client.authorize_redirect(request, redirect_uri)
    except Exception as exc:  # httpx (unreachable) or a bad document
        reason = f"the provider's metadata ({settings.oidc_server_metadata_url}) could not be read"
        return _login_failed(request, f"{reason}: {_reason(exc)}", status=502)


@router.get("/auth/signin_return")
async def signin_return(request: Request, settings: SettingsDep) -> Any:
    """The provider sends the browser back here. The exchange with the provider is network
    I/O (awaited on the loop); storing the login is database work (in a worker)."""
    client = _oauth(request)
    if request.query_params.get("error"):
        error = request.query_params["error"]
        description = request.query_params.get("error_description")
        return _login_failed(request, f"{error}: {description}" if description else error)
    try:
        # checks the state against this browser's session, exchanges the code, and
        # verifies the ID token: signature (provider's JWKS), iss, aud, nonce, exp
        token = await client.authorize_access_token(request)
    except Exception as exc:  # authlib, joserfc and httpx raise unrelated types
        return _login_failed(request, _reason(exc))
    info = token.get("userinfo") or {}
    subject = info.get("sub")
    if not subject:
        return _login_failed(request, "the provider returned no ID token with a subject (sub)")
    openid = f"{info.get('iss', '')}#{subject}" if info.get("iss") else subject
    target = str(request.session.get(_LOGIN_NEXT, "/"))
    request.session.pop(_LOGIN_NEXT, None)
    await run_in_threadpool(_log_in, request, openid, info)
    return RedirectResponse(_ui(request, settings, target.lstrip("/")), status_code=302)


def _log_in(request: Request, openid: str, info: dict[str, Any]) -> None:
    with state(request).db.session(write=True) as session:  # closed here, in the worker
        user = accounts.upsert_user(
            session, openid, email=info.get("email"), fullname=info.get("name")
        )
        begin_login(request, session, user)  # a fresh session for the new user (no fixation)


@router.get("/auth/signout")
def signout(request: Request, session: SessionDep, settings: SettingsDep) -> RedirectResponse:
    end_login(request, session)
    return RedirectResponse(_ui(request, settings, "#/logout"), status_code=302)
