"""The web pages through the real app (create_app) with httpx, on a fresh database:
SQLite, and PostgreSQL too when REFCORE_TEST_DATABASE_URL is set (``db_kind``).

``httpx.ASGITransport`` runs the app in-process; :class:`Visitor` runs an async
client in a portal thread so tests read like a person clicking through. The
app's lifespan is not run by the transport, so the fixture migrates the database
itself, as ``refcore serve`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from refcore_testing import _fresh_database
from web_client import WebApp


@pytest.fixture(scope="session")
def web(guidelines, db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:  # type: ignore[no-untyped-def]
    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    url, cleanup = _fresh_database(db_kind, "web", tmp_path_factory)
    settings = Settings(database_url=url, dev_login=True, secret_key="test-secret")
    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    app = create_app(settings, db=db, guidelines=FixedSource(guidelines))
    yield WebApp(app, db)
    app.state.refcore.preparer.stop()
    db.dispose()
    cleanup()


@pytest.fixture
def visit(web: WebApp) -> Iterator[Any]:
    """``visit()`` -> a fresh anonymous visitor (closed after the test)."""
    yield web.visitor
    web.close_visitors()
