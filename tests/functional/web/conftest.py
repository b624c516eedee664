"""The web pages through the real app (create_app) with httpx, on a fresh SQLite database.

``httpx.ASGITransport`` runs the app in-process; :class:`Visitor` wraps an async
client in a private event loop so tests read like a person clicking through. The
app's lifespan is not run by the transport, so the fixture migrates the database
itself, as ``refcore serve`` does.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Visitor:
    """One browser-like client: cookies kept, redirects not followed unless asked."""

    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.post(url, **kwargs))

    def csrf(self, page: str = "/login") -> str:
        found = CSRF.search(self.get(page).text)
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def submit(
        self, url: str, data: dict[str, Any] | None = None, page: str = "/login"
    ) -> httpx.Response:
        """POST a form the way the page does (with the session's CSRF token)."""
        return self.post(url, data={"csrf": self.csrf(page), **(data or {})})

    def login(self, name: str) -> None:
        r = self.submit("/login", {"username": name, "next": "/"})
        assert r.status_code == 303, r.text
        assert name in self.get("/").text

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


class WebApp:
    def __init__(self, app: Any, db: Any) -> None:
        self.app = app
        self.db = db
        self._visitors: list[Visitor] = []

    def visitor(self) -> Visitor:
        v = Visitor(self.app)
        self._visitors.append(v)
        return v

    def user(self, prefix: str = "user", *, foundation: bool = False) -> tuple[str, str]:
        """A new user (unique name) and an API token for it."""
        from refcore.services import accounts

        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        with self.db.read() as session:
            user = accounts.create_user(session, name, foundation=foundation)
            return name, accounts.create_token(session, user)

    def close_visitors(self) -> None:
        for v in self._visitors:
            v.close()
        self._visitors.clear()


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
