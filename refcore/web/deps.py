"""What web views need from the application: guidelines, a DB session, the actor, CSRF.

The web layer sits below ``refcore.api`` (import-linter layers), so it reads the
``AppState`` that ``create_app`` keeps on ``app.state.refcore`` instead of importing
the API's deps: ``.guidelines`` (a :class:`~refcore.services.guidelines.GuidelineSource`),
``.db`` (a :class:`~refcore.storage.db.Database`) and ``.settings``. The logged-in user
is the ``user_openid`` in the signed session cookie, the same key the API reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session

from refcore.config import Settings
from refcore.core.guidelines import GuidelineSet
from refcore.errors import Forbidden, Unauthorized
from refcore.services.accounts import ANONYMOUS, Actor, resolve_actor
from refcore.services.guidelines import GuidelineSource

__all__ = [
    "ActorDep",
    "GuidelinesDep",
    "SessionDep",
    "SettingsDep",
    "SourceDep",
    "UserDep",
    "check_csrf",
    "csrf_token",
    "load_actor",
    "peek_actor",
]

SESSION_USER = "user_openid"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _state(request: Request, name: str) -> Any:
    app_state = getattr(request.app.state, "refcore", None)
    if app_state is None:
        raise RuntimeError("the web pages need app.state.refcore (set by create_app)")
    return getattr(app_state, name)


async def get_settings(request: Request) -> Settings:
    return _state(request, "settings")  # type: ignore[no-any-return]


def get_guidelines(request: Request) -> GuidelineSet:
    return _state(request, "guidelines").get()  # type: ignore[no-any-return]


async def get_source(request: Request) -> GuidelineSource:
    """The source itself, for services that key cached results by its fingerprint."""
    return _state(request, "guidelines")  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    """A read session for GET, a write session otherwise (services commit)."""
    db = _state(request, "db")
    session = db.session(write=request.method not in _READ_METHODS)
    try:
        yield session
    finally:
        session.close()


def session_openid(request: Request) -> str | None:
    if "session" not in request.scope:
        return None
    return request.session.get(SESSION_USER)


def load_actor(request: Request) -> Actor:
    """Resolve the session's user once per request (kept on ``request.state``)."""
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    actor = ANONYMOUS
    openid = session_openid(request)
    if openid:
        db = _state(request, "db")
        with db.read() as session:
            try:
                actor = resolve_actor(session, openid=openid)
            except Unauthorized:
                actor = ANONYMOUS
        if not actor.authenticated:  # the user was deleted: forget the stale cookie
            request.session.pop(SESSION_USER, None)
    request.state.actor = actor
    return actor


def peek_actor(request: Request) -> Actor:
    return getattr(request.state, "actor", None) or ANONYMOUS


def require_user(actor: Annotated[Actor, Depends(load_actor)]) -> Actor:
    if not actor.authenticated:
        raise Unauthorized("Please log in to see this page.")
    return actor


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form posts it back."""
    if "session" not in request.scope:
        return ""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    expected = request.session.get("csrf") if "session" in request.scope else None
    if not expected or not secrets.compare_digest(expected, csrf):
        raise Forbidden("The form expired or came from another site; reload the page and retry.")


SettingsDep = Annotated[Settings, Depends(get_settings)]
GuidelinesDep = Annotated[GuidelineSet, Depends(get_guidelines)]
SourceDep = Annotated[GuidelineSource, Depends(get_source)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(load_actor)]
UserDep = Annotated[Actor, Depends(require_user)]
