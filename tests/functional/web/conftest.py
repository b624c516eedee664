"""The web pages through the real app (create_app) with httpx, on a fresh SQLite database.

``httpx.ASGITransport`` runs the app in-process; :class:`Visitor` wraps an async
client in a private event loop so tests read like a person clicking through. The
app's lifespan is not run by the transport, so the fixture migrates the database
itself, as ``refcore serve`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_client import WebApp


@pytest.fixture(scope="session")
def web(guidelines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:  # type: ignore[no-untyped-def]
    from refcore.api.app import create_app
    from refcore.config import Settings
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    path: Path = tmp_path_factory.mktemp("web-db") / "refcore.db"
    settings = Settings(database_url=f"sqlite:///{path}", dev_login=True, secret_key="test-secret")
    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    app = create_app(settings, db=db, guidelines=FixedSource(guidelines))
    yield WebApp(app, db)
    db.dispose()


@pytest.fixture
def visit(web: WebApp) -> Iterator[Any]:
    """``visit()`` -> a fresh anonymous visitor (closed after the test)."""
    yield web.visitor
    web.close_visitors()
