"""Issue 10, item 8: every answer carries the security headers (pages, API, errors, static
files, /docs), the policy allows nothing inline, and no template needs inline code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import refcore.server
from refcore.server.headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(refcore.server.__file__).parent / "templates"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def assert_protected(r: Any) -> None:
    h = r.headers
    where = f"{r.request.method} {r.request.url.path} -> {r.status_code}"
    assert h.get("content-security-policy") == CONTENT_SECURITY_POLICY, where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("referrer-policy") == "same-origin", where
    assert "camera=()" in h.get("permissions-policy", ""), where
    # plain http here: no HSTS (it would pin a name to https that may not have it)
    assert "strict-transport-security" not in h, where


def test_the_policy_allows_this_site_only_and_nothing_inline() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    for name in ("script-src", "style-src", "connect-src", "font-src", "form-action"):
        assert directives[name] == "'self'", name  # no 'unsafe-inline', no CDN
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"


@pytest.fixture
def member(web: Any, visit: Any) -> Any:
    """A logged-in browser whose user owns a private run."""
    name, token = web.user("headers")
    v = visit()
    v.login(name)
    body = {"cpid": "c-headers", "duration_seconds": 3, "results": [{"name": "t.a"}]}
    r = v.post(
        "/v1/results",
        content=json.dumps(body),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    assert_protected(r)
    v.run_id = r.json()["test_id"]
    return v


def test_every_kind_of_answer_carries_the_headers(member: Any, visit: Any) -> None:
    run = member.run_id
    for path in ("/", "/profile", f"/results/{run}", "/guidelines", "/scoring/2020.06", "/docs"):
        r = member.get(path, headers=BROWSER)
        assert r.status_code == 200, (path, r.status_code)
        assert_protected(r)
    for path in ("/v1/guidelines", f"/v1/results/{run}", "/v2/guidelines", "/openapi.json"):
        r = member.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert_protected(r)
    for path in ("/static/refcore.css", "/static/refcore.js", "/docs/assets/swagger-ui.css"):
        r = member.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert_protected(r)
    anonymous = visit()
    answers = [
        anonymous.get("/no/such/page", headers=BROWSER),  # the HTML error page
        anonymous.get("/v2/no-such-thing"),  # the v2 envelope
        anonymous.get("/v1/results/not-a-run"),  # RefStack's shape
        anonymous.get("/profile", headers=BROWSER),  # login needed
        anonymous.post("/v1/results", content=b"{", headers={"content-type": "application/json"}),
        anonymous.get("/docs/assets/../../config.py"),
    ]
    assert [r.status_code for r in answers] == [404, 404, 404, 401, 400, 404]
    for r in answers:
        assert_protected(r)


def test_docs_runs_swagger_ui_from_this_site(visit: Any) -> None:
    v = visit()
    page = v.get("/docs", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in page.text and "style=" not in page.text
    for source in sources:
        r = v.get(source)
        assert r.status_code == 200, source
        if source.endswith(".js"):
            assert "javascript" in r.headers["content-type"], source
    # the page starts Swagger UI on the API description this server serves
    assert 'data-openapi-url="/openapi.json"' in page.text
    assert v.get("/openapi.json").json()["info"]["title"] == "refcore"
    assert v.get("/redoc").status_code == 404  # ReDoc needs inline styles: not served
    assert v.get("/docs/assets/redoc.standalone.js").status_code == 404


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_needs_what_the_policy_blocks(template: Path) -> None:
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.name} has {', '.join(found)}: move it to static/"


def test_the_500_answer_carries_the_headers(web: Any, guidelines: Any) -> None:
    """The 500 handler sits outside every ``add_middleware`` layer; the headers wrap it too."""
    import asyncio

    import httpx

    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services.guidelines import FixedSource

    app = create_app(
        Settings(database_url=web.db.url, secret_key="x"),
        db=web.db,
        guidelines=FixedSource(guidelines),
    )

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            return await c.get("/broken", headers=BROWSER)

    r = asyncio.run(ask())
    assert r.status_code == 500 and "a bug" not in r.text
    assert_protected(r)
