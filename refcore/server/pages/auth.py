"""Logging in and out of the web pages.

Two ways in: OpenID Connect when ``REFCORE_OIDC_*`` is configured (the API's
``/v1/auth/signin`` flow does the work), and, for development only, a form that
logs in an *existing* user by name when ``REFCORE_DEV_LOGIN`` is on (users come
from ``refcore admin create-user``). Both end with ``user_openid`` in the
signed session cookie, which the API and these pages read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refcore.errors import NotFound
from refcore.server.auth import begin_login, end_login
from refcore.server.deps import CsrfDep, SessionDep, SettingsDep
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services.accounts import user_by_openid
from refcore.services.fields import local_path

router = APIRouter(route_class=Route)


@router.get("/login", response_class=HTMLResponse, name="web.login")
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> HTMLResponse:
    return render(
        request,
        "auth/login.html",
        {
            "title": "Log in",
            "next": local_path(next),
            "oidc": settings.oidc_enabled,
            "dev_login": getattr(settings, "dev_login", False),
        },
    )


@router.post("/login", name="web.login.post", dependencies=[CsrfDep])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    if not getattr(settings, "dev_login", False):
        raise NotFound("Development login is off on this server (REFCORE_DEV_LOGIN)")
    user = user_by_openid(session, username.strip())
    if user is None:
        raise NotFound(f"No user {username.strip()!r}: create it with `refcore admin create-user`")
    begin_login(request, session, user)
    flash(request, f"Logged in as {user.openid}.", "success")
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/logout", name="web.logout", dependencies=[CsrfDep])
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    end_login(request, session)
    flash(request, "Logged out.", "success")
    return RedirectResponse("/", status_code=303)
