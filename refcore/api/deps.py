"""Dependencies as ``Annotated`` aliases, so handlers stay one line of service call.

``SessionDep`` is a read session for GET/HEAD and a write session (on SQLite:
``BEGIN IMMEDIATE``) for everything else; services commit. ``ActorDep`` is who
is asking: the web session's user first, then ``Authorization: Bearer <token>``.
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
from refcore.services.accounts import Actor, resolve_actor
from refcore.services.guidelines import GuidelineSource
from refcore.storage.db import Database

__all__ = [
    "ActorDep",
    "AppState",
    "DatabaseDep",
    "GuidelinesDep",
    "SessionDep",
    "SettingsDep",
    "SourceDep",
    "state",
]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AppState:
    """What one running app holds: its settings, database and guideline source."""

    settings: Settings
    db: Database
    guidelines: GuidelineSource


def state(request: Request) -> AppState:
    return request.app.state.refcore  # type: ignore[no-any-return]


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` one in the
# thread pool, a thread hop per dependency per request.
async def _settings(request: Request) -> Settings:
    return state(request).settings


async def _database(request: Request) -> Database:
    return state(request).db


async def _session(request: Request) -> AsyncIterator[Session]:
    # creating a Session opens nothing; closing returns its connection to the pool
    # (a rollback on the wire for PostgreSQL), so that part goes to the thread pool
    session = state(request).db.session(write=request.method not in _READ_METHODS)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def _actor(request: Request) -> Actor:
    token = None
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = value.strip()
    openid = request.session.get("user_openid") if "session" in request.scope else None
    if not token and not openid:
        return Actor()
    return await run_in_threadpool(_resolve, state(request).db, token, openid)


def _resolve(db: Database, token: str | None, openid: str | None) -> Actor:
    with db.read() as session:
        return resolve_actor(session, token=token, openid=openid)


def _guidelines(request: Request) -> GuidelineSet:
    return state(request).guidelines.get()


async def _source(request: Request) -> GuidelineSource:
    return state(request).guidelines


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
SessionDep = Annotated[Session, Depends(_session)]
ActorDep = Annotated[Actor, Depends(_actor)]
GuidelinesDep = Annotated[GuidelineSet, Depends(_guidelines)]
SourceDep = Annotated[GuidelineSource, Depends(_source)]
