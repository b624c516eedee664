"""A small, real OpenID Connect provider for tests (authorization code flow).

It serves discovery, ``/authorize`` (consents at once: back to ``redirect_uri``
with a ``code`` and the caller's ``state``), ``/token`` (client authentication,
single-use codes, an RS256 ``id_token``), ``/jwks`` and ``/userinfo`` over real
HTTP (uvicorn in a background thread), so the server under test fetches the
metadata and keys and checks the signature exactly as it would against a real
identity provider. The signing key is generated at start.

Knobs a test turns between logins: :attr:`OIDCProvider.user` (whose claims the
next login gets), :attr:`OIDCProvider.tamper_signature` (the next ID tokens carry
a broken signature), :attr:`OIDCProvider.id_token_overrides` (wrong claims,
correctly signed), :attr:`OIDCProvider.deny` (the next authorization answers
``error=access_denied``). :attr:`OIDCProvider.log` records every request path.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["OIDCProvider", "running_provider"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    claims: dict[str, Any]
    scope: str


@dataclass
class OIDCProvider:
    """One client registration, one signing key, auto-consent."""

    client_id: str = "refcore-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    #: the claims of the user the next authorization logs in
    user: dict[str, Any] = field(
        default_factory=lambda: {"sub": "alice-1", "email": "alice@example.org", "name": "Alice"}
    )
    #: allowed redirect URIs; empty means any (set it once the client's URL is known)
    redirect_uris: set[str] = field(default_factory=set)
    tamper_signature: bool = False
    #: claims that replace the genuine ones in the next ID tokens (a wrong ``aud``, ``nonce``...)
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    deny: bool = False
    url: str = ""
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self._codes: dict[str, _Grant] = {}
        self._access_tokens: dict[str, dict[str, Any]] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/jwks", self._jwks),
                Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
            ]
        )

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    # -- tokens ---------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any]) -> str:
        """A compact RS256 JWS of ``claims`` with this provider's key."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        )
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = {
            **grant.claims,
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.id_token_overrides)
        token = self.sign(claims)
        if self.tamper_signature:  # same header and claims, another signature
            head, body, signature = token.split(".")
            raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
            raw[len(raw) // 2] ^= 0xFF
            token = f"{head}.{body}.{_b64url(bytes(raw))}"
        return token

    # -- endpoints ------------------------------------------------------------------------------
    async def _discovery(self, request: Request) -> Response:
        self.log.append(request.url.path)
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "name"],
            }
        )

    async def _authorize(self, request: Request) -> Response:
        self.log.append(request.url.path)
        q = request.query_params
        redirect_uri = q.get("redirect_uri", "")
        # an unknown client or redirect URI is never redirected to (RFC 6749 §4.1.2.1)
        if q.get("client_id") != self.client_id:
            return PlainTextResponse("unknown client_id", status_code=400)
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return PlainTextResponse(f"redirect_uri not registered: {redirect_uri}", 400)
        back: dict[str, str] = {}
        if q.get("state") is not None:
            back["state"] = q["state"]
        if self.deny:
            back.update(error="access_denied", error_description="The user said no")
        elif q.get("response_type") != "code":
            back["error"] = "unsupported_response_type"
        elif "openid" not in q.get("scope", "").split():
            back["error"] = "invalid_scope"
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                nonce=q.get("nonce"),
                claims=dict(self.user),
                scope=q.get("scope", ""),
            )
            back["code"] = code
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(redirect_uri + sep + urlencode(back), status_code=302)

    def _client_credentials(self, request: Request, form: Any) -> tuple[str | None, str | None]:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            from urllib.parse import unquote

            decoded = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        return form.get("client_id"), form.get("client_secret")

    async def _token(self, request: Request) -> Response:
        self.log.append(request.url.path)
        form = await request.form()
        client_id, secret = self._client_credentials(request, form)
        if client_id != self.client_id or not secrets.compare_digest(
            str(secret or ""), self.client_secret
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        grant = self._codes.pop(str(form.get("code", "")), None)  # single use
        if grant is None or grant.client_id != client_id:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}, 400
            )
        access_token = secrets.token_urlsafe(24)
        self._access_tokens[access_token] = grant.claims
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": grant.scope,
                "id_token": self._id_token(grant),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def _jwks(self, request: Request) -> Response:
        self.log.append(request.url.path)
        numbers = self._key.public_key().public_numbers()
        jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid}
        jwk.update(n=_uint(numbers.n), e=_uint(numbers.e))
        return JSONResponse({"keys": [jwk]})

    async def _userinfo(self, request: Request) -> Response:
        self.log.append(request.url.path)
        auth = request.headers.get("authorization", "")
        claims = self._access_tokens.get(auth[7:]) if auth.lower().startswith("bearer ") else None
        if claims is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(claims)


@contextmanager
def running_provider(**kwargs: Any) -> Iterator[OIDCProvider]:
    """An :class:`OIDCProvider` served on a free 127.0.0.1 port until the block ends."""
    provider = OIDCProvider(**kwargs)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    provider.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        provider.app, log_level="warning", access_log=False, lifespan="off", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test OpenID Connect provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
