"""The one set of dependencies every route uses, as ``Annotated`` aliases, so a handler is
one service call.

``SessionDep`` is a read session for GET/HEAD and a write session (on SQLite: ``BEGIN
IMMEDIATE``) for everything else; services commit. Only plain ``def`` routes take one:
:class:`refcore.server.routing.Route` closes it in the route's worker thread, whatever
happened, and its transactions wait at most ``lock_timeout_seconds`` for a lock.
``ActorDep`` is who is asking: the browser's login, then ``Authorization: Bearer
<token>`` (see :mod:`refcore.server.auth`);
a cookie-authenticated change must carry the CSRF token. ``UserDep`` requires a login.
``CsrfDep`` checks the token on routes anyone may post to (the login form).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from refcore.config import Settings
from refcore.core.guidelines import GuidelineSet
from refcore.errors import Unauthorized
from refcore.server.auth import SAFE_METHODS, check_csrf, login_id
from refcore.server.preparer import Preparer
from refcore.services.accounts import ANONYMOUS, Actor, resolve_actor
from refcore.services.certificates import Terms
from refcore.services.guidelines import GuidelineSource
from refcore.services.vault import Vault
from refcore.storage.db import Database

__all__ = [
    "ActorDep",
    "AppState",
    "CsrfDep",
    "DatabaseDep",
    "GuidelinesDep",
    "SessionDep",
    "SettingsDep",
    "SourceDep",
    "TermsDep",
    "UserDep",
    "VaultDep",
    "current_actor",
    "peek_actor",
    "state",
]


@dataclass
class AppState:
    """What one running app holds: its settings, database and guideline source, and
    the thread that prepares new runs' reports."""

    settings: Settings
    db: Database
    guidelines: GuidelineSource
    preparer: Preparer


def state(request: Request) -> AppState:
    return request.app.state.refcore  # type: ignore[no-any-return]


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` one in the
# thread pool, a thread hop per dependency per request.
async def _settings(request: Request) -> Settings:
    return state(request).settings


async def _database(request: Request) -> Database:
    return state(request).db


async def _session(request: Request) -> AsyncIterator[Session]:
    # creating a Session opens nothing; the route's worker closes it (routing.Route), so
    # here it is closed already: closing again is free. Should anything still hold a
    # connection, closing it (a rollback on the wire) goes to the thread pool.
    session = state(request).db.session(write=request.method not in SAFE_METHODS)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def current_actor(request: Request) -> Actor:
    """Resolve who is asking once per request (kept on ``request.state``)."""
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    token = None
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = value.strip()
    # a bearer token speaks for itself (a browser cannot add the header cross-site); the
    # cookie is read only without one, and then changes need the CSRF token
    login = None if token else login_id(request)
    actor = ANONYMOUS
    if token or login:
        actor = await run_in_threadpool(_resolve, state(request).db, token, login)
    if login and not actor.authenticated:
        request.session.clear()  # the login ended (logged out elsewhere, expired): forget it
    if login and actor.authenticated:
        await check_csrf(request)
    request.state.actor = actor
    return actor


def _resolve(db: Database, token: str | None, login: str | None) -> Actor:
    with db.read() as session:
        return resolve_actor(session, token=token, login=login)


def peek_actor(request: Request) -> Actor:
    """The actor already resolved for this request (anonymous if none was)."""
    actor = getattr(request.state, "actor", None)
    return actor if isinstance(actor, Actor) else ANONYMOUS


async def _user(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    if not actor.authenticated:
        raise Unauthorized("Please log in to see this page.")
    return actor


def _guidelines(request: Request) -> GuidelineSet:
    return state(request).guidelines.get()


async def _source(request: Request) -> GuidelineSource:
    return state(request).guidelines


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
SessionDep = Annotated[Session, Depends(_session)]
ActorDep = Annotated[Actor, Depends(current_actor)]
UserDep = Annotated[Actor, Depends(_user)]
CsrfDep = Depends(check_csrf)
GuidelinesDep = Annotated[GuidelineSet, Depends(_guidelines)]
SourceDep = Annotated[GuidelineSource, Depends(_source)]


async def _terms(request: Request) -> Terms:
    """The clock and the certification settings, read per request (``certification_clock``
    fixes the clock; else now)."""
    return Terms.from_settings(state(request).settings)


TermsDep = Annotated[Terms, Depends(_terms)]


def _vault(request: Request) -> Vault:
    """The credentials vault of registered clouds, made once per app (a plain ``def``: it may
    read or create the key file the first time)."""
    vault = getattr(request.app.state, "refcore_vault", None)
    if not isinstance(vault, Vault):
        vault = Vault.from_settings(state(request).settings)
        request.app.state.refcore_vault = vault
    return vault


VaultDep = Annotated[Vault, Depends(_vault)]
