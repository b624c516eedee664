"""The report's guideline x target grid (and the views added to the report page) in a
real browser, at desktop and phone width, with axe-core."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from browser_helpers import axe_violations, horizontal_overflow, shot, wide_elements


@pytest.fixture(scope="module")
def platform_run(server, guidelines) -> str:  # type: ignore[no-untyped-def]
    """An anonymous run of every required 2020.06 platform test (public)."""
    g = guidelines["2020.06"]
    statuses = g.capability_statuses("platform")
    names = {
        t.name: t.uuid or "" for c, t in g.tests("platform") if statuses.get(c.name) == "required"
    }
    body = {
        "cpid": "cpid-" + uuid.uuid4().hex,
        "duration_seconds": 5105,
        "results": [{"name": n, "uuid": u} for n, u in names.items()],
    }
    r = httpx.post(
        server.url + "/v1/results/",
        content=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["test_id"])


@pytest.mark.parametrize("width", [1280, 375])
def test_meets_grid_opens_each_report(
    new_page, server, platform_run: str, shots: Path, width: int
) -> None:  # type: ignore[no-untyped-def]
    page = new_page(width=width)
    page.goto(f"/results/{platform_run}")
    meets = httpx.get(f"{server.url}/v2/runs/{platform_run}/meets", timeout=60).json()
    grids = page.locator("table.meets-grid")
    assert grids.first.locator("caption").inner_text().startswith("OpenStack Powered")
    cells = page.locator("table.meets-grid td[data-meets]")
    assert cells.count() == len(meets["all"])
    assert page.locator("td[data-meets=yes]").count() == len(meets["meets"])
    here = page.locator("table.meets-grid a[aria-current=true]")
    assert here.get_attribute("aria-label").startswith("2020.06 platform: meets")
    summary = page.locator("#meets-summary").inner_text()
    assert summary.startswith(f"Meets {len(meets['meets'])} of {len(meets['all'])}")
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    if width == 1280:
        page.locator("#grid-h").scroll_into_view_if_needed()
        shot(page, shots, "report-meets-grid", full=False)
    # a cell opens that guideline and target's report
    page.get_by_role("link", name=re.compile(r"^2020\.06 object: ")).click()
    page.wait_for_url(re.compile(r"guideline=2020.06&target=object"))
    assert "2020.06 object" in page.locator("h1 .badge").inner_text()
    assert (
        page.locator("table.meets-grid a[aria-current=true]")
        .get_attribute("aria-label")
        .startswith("2020.06 object")
    )
