"""``create_app(settings)``: the FastAPI application ``refcore serve`` runs.

Hook for the web UI: when a ``refcore.web`` package exists, its ``router``
(an ``APIRouter``) is included, and its ``install(app)`` is called if it has one.
It gets the same :class:`~refcore.api.deps.AppState` through ``refcore.api.deps``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from refcore import __version__
from refcore.api import access_log
from refcore.api.deps import AppState
from refcore.api.errors import install_error_handlers
from refcore.api.limits import BodyLimit
from refcore.api.routes import ROUTERS
from refcore.config import Settings
from refcore.errors import RefcoreError
from refcore.services.guidelines import GuidelineSource, LoadedSource
from refcore.storage.db import Database

__all__ = ["create_app"]

log = logging.getLogger("refcore.api")


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    guidelines: GuidelineSource | None = None,
) -> FastAPI:
    """Build the app. The schema is migrated to head when the app starts."""
    settings = settings or Settings()
    state = AppState(
        settings=settings,
        db=db or Database.from_url(settings.database_url),
        guidelines=guidelines or LoadedSource(settings.guidelines),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from refcore.storage.migrate import upgrade

        upgrade(state.db.engine)
        try:
            state.guidelines.get()
        except RefcoreError as exc:  # served lazily; guideline endpoints will report it
            log.warning("guidelines not loaded at start: %s", exc)
        yield
        state.db.dispose()

    app = FastAPI(
        title="refcore",
        version=__version__,
        description="RefStack-compatible results server (v1) and refcore's API (v2).",
        lifespan=lifespan,
    )
    app.state.refcore = state
    access_log.install()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _include_web(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="refcore_session",
        max_age=7 * 24 * 3600,
        same_site="lax",  # HttpOnly always (Starlette); Secure per settings.secure_cookies
        https_only=settings.cookies_https_only,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def _include_web(app: FastAPI) -> None:
    if importlib.util.find_spec("refcore.web") is None:
        return
    try:
        web = importlib.import_module("refcore.web")
    except Exception:  # the API must keep serving when the UI package is broken
        log.exception("refcore.web could not be imported; serving the API only")
        return
    router = getattr(web, "router", None)
    if router is not None:
        app.include_router(router)
    install = getattr(web, "install", None)
    if callable(install):
        install(app)
