"""Browser-like clients of the app for the page tests (cookies, CSRF, login)."""

from __future__ import annotations

import re
import uuid
from functools import partial
from typing import Any

import httpx
from anyio.from_thread import start_blocking_portal

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Visitor:
    """One browser-like client: cookies kept, redirects not followed unless asked."""

    def __init__(self, app: Any) -> None:
        # The app runs in a portal thread's own event loop, so this works whatever
        # loop the calling thread has (Playwright's sync API leaves one running).
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.get, url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.post, url, **kwargs))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.request, method, url, **kwargs))

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
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


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
