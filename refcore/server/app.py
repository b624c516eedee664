"""``create_app(settings)``: the FastAPI application ``refcore serve`` runs: the JSON API
(:mod:`refcore.server.api`) and the pages (:mod:`refcore.server.pages`) on one set of
dependencies (:mod:`refcore.server.deps`) and one error handler (:mod:`refcore.server.errors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from refcore.config import Settings
from refcore.errors import RefcoreError
from refcore.server import access_log, apidocs
from refcore.server.api import ROUTERS
from refcore.server.deps import AppState
from refcore.server.errors import install_error_handlers
from refcore.server.head import HeadAsGet
from refcore.server.headers import SecurityHeaders
from refcore.server.hosts import TrustedHosts
from refcore.server.inputs import check_request
from refcore.server.limits import BodyLimit
from refcore.server.pages import router as pages_router
from refcore.server.preparer import Preparer
from refcore.server.rendering import warm_templates
from refcore.services.guidelines import GuidelineSource, LoadedSource
from refcore.storage.db import Database
from refcore.version import __version__

__all__ = ["create_app"]

log = logging.getLogger("refcore.server")


class RefcoreApp(FastAPI):
    """FastAPI with layers outside its whole middleware stack, so that they also see the
    answers of the 500 handler (which sits outside ``add_middleware``'s): the security
    headers, then the ``Host`` check (a refused name reaches nothing else), then ``HEAD``
    answered as ``GET`` without its body."""

    def build_middleware_stack(self) -> ASGIApp:
        stack: ASGIApp = HeadAsGet(super().build_middleware_stack())
        settings: Settings = self.state.refcore.settings
        stack = TrustedHosts(stack, allowed=settings.trusted_hosts)
        return SecurityHeaders(stack, https=settings.cookies_https_only)


def _warm_routes(app: FastAPI) -> None:
    """Have FastAPI build its routes' request models now (pydantic adapters for every
    route of an included router, built on the first request that reaches the router:
    ~600 ms of the first page after a start), in a thread, not on a visitor's request."""
    scope = {"type": "http", "path": "/", "method": "GET", "root_path": "", "headers": []}
    for route in app.router.routes:
        try:
            route.matches({**scope, "app": app})
        except Exception:  # noqa: BLE001  (warming only: the first request builds it then)
            log.debug("route %r not warmed", route, exc_info=True)


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    guidelines: GuidelineSource | None = None,
) -> FastAPI:
    """Build the app. The schema is migrated to head when the app starts."""
    settings = settings or Settings()
    database = (db or Database.from_url(settings.database_url)).with_lock_timeout(
        settings.lock_timeout_seconds
    )
    source = guidelines or LoadedSource(settings.guidelines)
    state = AppState(
        settings=settings,
        db=database,
        guidelines=source,
        preparer=Preparer(database, source, enabled=settings.prepare_reports),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from refcore.storage.migrate import upgrade

        upgrade(state.db.engine)
        warm_templates()
        threading.Thread(
            target=_warm_routes, args=(app,), name="refcore-routes", daemon=True
        ).start()
        try:
            state.guidelines.get()
        except RefcoreError as exc:  # served lazily; guideline endpoints will report it
            log.warning("guidelines not loaded at start: %s", exc)
        yield
        state.preparer.stop()
        state.db.dispose()

    app = RefcoreApp(
        title="refcore",
        version=__version__,
        description="RefStack-compatible results server (v1) and refcore's API (v2).",
        lifespan=lifespan,
        docs_url=None,  # refcore.server.apidocs serves /docs under the CSP
        redoc_url=None,
        dependencies=[Depends(check_request)],  # no NUL in parameters; sane JSON bodies
    )
    app.state.refcore = state
    access_log.install()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages_router)
    app.include_router(apidocs.router)
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
