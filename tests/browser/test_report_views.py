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


RETRIED = "tempest.api.object_storage.test_container_services.ContainerTest.test_create_container"
RETRIED_ID = RETRIED + "[id-92139d73-7819-4db1-85f8-3f2f22a8d91f,smoke]"


@pytest.fixture(scope="module")
def rerun(server, guidelines) -> str:  # type: ignore[no-untyped-def]
    """A subunit v2 stream of every 2020.06 object test where one failed on its first
    attempt and passed on the re-run (``refcore test --rerun-failed``'s tagged packets)."""
    from tests.subunit_streams import stream

    g = guidelines["2020.06"]
    ids = [t.name + (f"[id-{t.uuid}]" if t.uuid else "") for _, t in g.tests("object")]
    others = [(i, "success") for i in dict.fromkeys(ids) if not i.startswith(RETRIED + "[")]
    body = stream([(RETRIED_ID, "fail"), *others], reason="409 Conflict: container busy")
    body += stream([(RETRIED_ID, "success")], tags={"refcore-attempt-2"})
    r = httpx.post(
        server.url + "/v2/runs",
        content=body,
        headers={"Content-Type": "application/octet-stream"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("width", [1280, 375])
def test_passed_after_retry_shows_both_outcomes(  # type: ignore[no-untyped-def]
    new_page, rerun: str, shots: Path, width: int
) -> None:
    page = new_page(width=width)
    page.goto(f"/results/{rerun}?guideline=2020.06&target=object")
    assert "meets 2020.06 object" in page.locator("h1 .badge").inner_text()
    items = page.locator("#retried li")
    assert items.count() == 1
    text = items.first.inner_text()
    assert RETRIED in text and "Attempts: fail → pass" in text
    assert "Fail on another attempt: Exception: 409 Conflict: container busy" in text
    # the capability's row says it too, with the other attempt's words
    items.first.get_by_role("link").click()
    exact = page.locator("code", has_text=re.compile(f"^{re.escape(RETRIED)}$"))
    row = page.locator("details.cap[open] li", has=exact)
    assert "passed after retry attempts: fail → pass" in row.inner_text()
    assert "Other attempt: fail on another attempt" in row.inner_text()
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    if width == 1280:
        page.locator("#retried-h").scroll_into_view_if_needed()
        shot(page, shots, "report-passed-after-retry", full=False)
