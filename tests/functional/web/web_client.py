"""Browser-like clients of the app for the page tests (cookies, CSRF, login)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx

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
