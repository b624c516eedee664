"""The run lists in a real browser: each run's result against its claim or the chosen
guideline, the filters as a person uses them, odd page numbers, the downloads; at
desktop and phone width, with axe-core."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from browser_helpers import axe_violations, horizontal_overflow, login, shot, wide_elements


def required(guidelines, target: str = "platform") -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    statuses = g.capability_statuses(target)
    tests = {
        t.name: t.uuid or "" for cap, t in g.tests(target) if statuses.get(cap.name) == "required"
    }
    return [{"name": n, "uuid": u} for n, u in tests.items()]


@pytest.fixture(scope="module")
def lister(server, guidelines):  # type: ignore[no-untyped-def]
    """A vendor with two runs: one passing every required platform test, one 4 short."""
    name = "lister-" + uuid.uuid4().hex[:6]
    token = server.user(name)
    tests = required(guidelines)
    ids = []
    for results in (tests, tests[4:]):
        body = {"cpid": "cpid-" + uuid.uuid4().hex, "duration_seconds": 60, "results": results}
        r = httpx.post(
            server.url + "/v1/results/",
            content=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["test_id"])
    return {"name": name, "full": ids[0], "short": ids[1]}


@pytest.mark.parametrize("width", [1280, 375])
def test_my_runs_with_results_filters_and_downloads(  # type: ignore[no-untyped-def]
    new_page, lister, shots: Path, width: int
) -> None:
    page = new_page(width=width)
    login(page, lister["name"])
    page.goto("/results/mine")
    full = page.locator(f"tr[data-run='{lister['full']}']")
    short = page.locator(f"tr[data-run='{lister['short']}']")
    assert full.locator(".badge.meets").inner_text() == "meets"
    assert short.locator(".badge.fails").inner_text() == "does not meet"
    assert "2020.06 platform" in full.inner_text()
    # the row's percentage is the report's
    percent = short.locator(".pass-percent").inner_text()
    short.get_by_role("link").first.click()
    page.wait_for_url(f"**/results/{lister['short']}")
    assert page.locator("#nonflag-percent").inner_text() == percent
    page.go_back()
    # the filters, as a person sets them: guideline and target chosen, every row against it
    page.get_by_label("Guideline", exact=True).select_option("2020.06")
    page.get_by_label("Target", exact=True).select_option("object")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"guideline=2020.06.*target=object"))
    assert "each evaluated against 2020.06 object" in page.locator("#run-total").inner_text()
    assert page.locator("#runs tbody tr").count() == 2
    assert page.get_by_label("Target", exact=True).input_value() == "object"  # kept
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    shot(page, shots, f"run-list-chosen-{width}", full=False)
    page.get_by_label("Verified").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("main").get_by_text("No runs match.").is_visible()
    # a page far past the end is the last page, said so
    page.goto("/results/mine?page=123456789")
    assert "Page 123456789 is past the end" in page.locator("main .note").first.inner_text()
    assert page.locator("#runs tbody tr").count() == 2
    # a bad filter: a clear error that links back
    response = page.goto("/results/mine?guideline=2099.99")
    assert response is not None and response.status == 404
    assert "Guideline not found: 2099.99" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    # the JSON download is the page's rows
    with page.expect_download() as info:
        page.goto("/results/mine")
        page.get_by_role("link", name="JSON").click()
    doc = json.loads(Path(info.value.path()).read_text())
    assert [i["id"] for i in doc["items"]] == [lister["short"], lister["full"]]
    if width == 1280:
        shot(page, shots, "run-list-mine")
