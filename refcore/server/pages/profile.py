"""The profile page: who you are, your public keys (imported with the self-signature
``refstack-client sign`` prints) and your API tokens (a new one is shown once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.server.deps import CsrfDep, SessionDep, UserDep, state
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import accounts, tokens

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]


@router.get("/profile", response_class=HTMLResponse, name="web.profile")
def profile(request: Request, session: SessionDep, actor: UserDep) -> HTMLResponse:
    return _page(request, session, actor)


def _page(
    request: Request, session: SessionDep, actor: UserDep, new_token: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "profile.html",
        {
            "title": "Profile",
            "me": accounts.profile(session, actor),
            "keys": accounts.list_public_keys(session, actor),
            "tokens": tokens.list_tokens(session, actor),
            "new_token": new_token,
            "base": state(request).settings.public_url,  # never the request's Host
        },
    )


@router.post("/profile/keys", dependencies=CSRF, name="web.profile.keys.add")
def add_key(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    raw_key: Annotated[str, Form()],
    self_signature: Annotated[str, Form()],
) -> RedirectResponse:
    accounts.add_public_key(session, actor, raw_key.strip(), self_signature.strip())
    flash(request, "Public key imported: uploads signed with it are yours.", "success")
    return RedirectResponse("/profile", status_code=303)


@router.post("/profile/keys/{key_id}/delete", dependencies=CSRF, name="web.profile.keys.delete")
def delete_key(
    request: Request, key_id: str, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    accounts.delete_public_key(session, actor, key_id)
    flash(request, "Public key deleted.", "success")
    return RedirectResponse("/profile", status_code=303)


@router.post("/profile/tokens", dependencies=CSRF, name="web.profile.tokens.add")
def add_token(
    request: Request, session: SessionDep, actor: UserDep, name: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """The new token is in this response only: not in the session cookie, not in a URL,
    not cached (it is stored hashed; nobody can show it again)."""
    page = _page(request, session, actor, new_token=tokens.issue_token(session, actor, name))
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post(
    "/profile/tokens/{token_id}/delete", dependencies=CSRF, name="web.profile.tokens.delete"
)
def revoke_token(
    request: Request, token_id: int, session: SessionDep, actor: UserDep
) -> RedirectResponse:
    tokens.revoke_token(session, actor, token_id)
    flash(request, "Token revoked: it no longer works.", "success")
    return RedirectResponse("/profile#tokens", status_code=303)
