"""Issue 10, item 8, in a real Chromium: under the Content-Security-Policy every page and
/docs still work (nothing blocked, Swagger UI runs and calls the API), and another site
cannot frame a form."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from browser_helpers import login


def _watch(page: Any) -> list[str]:
    """What the browser complains of: console errors and uncaught script errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_docs_work_under_the_policy(new_page: Any) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    problems = _watch(page)
    page.goto("/docs")
    operation = page.locator(".opblock-summary", has_text="/v1/guidelines").first
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    response = page.locator(".live-responses-table tr.response .response-col_status").first
    assert response.inner_text().strip() == "200"
    assert page.locator(".opblock").count() > 40
    assert problems == []


def test_pages_work_under_the_policy(new_page: Any, server: Any, guidelines: Any) -> None:  # type: ignore[no-untyped-def]
    name = "csp-" + uuid.uuid4().hex[:6]
    token = server.user(name)
    g = guidelines["2020.06"]
    results = [{"name": t.name, "uuid": t.uuid or ""} for _, t in g.tests("platform")][:60]
    r = httpx.post(
        server.url + "/v1/results/",
        content=json.dumps({"cpid": "c-" + name, "duration_seconds": 5, "results": results}),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    page = new_page()
    problems = _watch(page)
    login(page, name)
    run = r.json()["test_id"]
    for path in ("/", "/guidelines/2020.06", "/scoring/2020.06", f"/results/{run}", "/profile"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    # the report's meter (once an inline style) shows the share of required tests passed
    page.goto(f"/results/{run}?guideline=2020.06&target=platform")
    meter = page.locator("meter.meter")
    assert float(meter.get_attribute("value") or "nan") > 0
    assert meter.bounding_box()["width"] > 100  # type: ignore[index]
    # the scorecard's narrow inputs keep their width from the stylesheet
    page.goto("/scoring/2020.06")
    assert page.locator("#cutoff").bounding_box()["width"] < 150  # type: ignore[index]
    assert problems == []


def test_another_site_cannot_frame_a_form(new_page: Any, server: Any) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    problems = _watch(page)
    page.set_content(f'<iframe src="{server.url}/login" title="victim"></iframe>')
    page.wait_for_timeout(1000)  # the frame's load is refused; nothing to wait for
    frame = page.frames[1]
    assert frame.locator("form").count() == 0
    assert any("frame-ancestors 'none'" in p for p in problems), problems
