"""The server-drawn SVG charts in a real browser at desktop and phone width: a product's
pass % across its versions, the scores against the cut-off, the size of a diff; each
fits the screen, passes axe-core and says in words what it draws."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from browser_helpers import axe_violations, horizontal_overflow, login, shot, wide_elements


@pytest.fixture(scope="module")
def product(server, guidelines):  # type: ignore[no-untyped-def]
    """A vendor's product with three versions: two with runs (one 6 tests short)."""
    tag = uuid.uuid4().hex[:6]
    name = f"charts-{tag}"
    token = server.user(name)
    g = guidelines["2020.06"]
    statuses = g.capability_statuses("platform")
    tests = [t.name for c, t in g.tests("platform") if statuses.get(c.name) == "required"]
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        r = api.post("/v1/products", json={"name": f"Chart Cloud {tag}", "product_type": 1})
        assert r.status_code == 201, r.text
        product_id = r.json()["id"]
        versions = {}
        for v in ("2023.1", "2024.1", "2025.1"):
            made = api.post(f"/v1/products/{product_id}/versions", json={"version": v})
            assert made.status_code == 201, made.text
            versions[v] = made.json()["id"]
        for v, names in (("2023.1", tests[6:]), ("2024.1", tests)):
            run = api.post("/v2/runs", content="\n".join(dict.fromkeys(names)).encode())
            assert run.status_code == 201, run.text
            link = api.put(
                f"/v2/runs/{run.json()['id']}/product-version",
                content=json.dumps({"product_version_id": versions[v]}),
                headers={"Content-Type": "application/json"},
            )
            assert link.status_code == 200, link.text
    return {"user": name, "id": product_id}


def _chart_ok(page, chart_id: str) -> str:  # type: ignore[no-untyped-def]
    chart = page.locator(f"svg#{chart_id}")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 40
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    return str(page.locator(f"#{chart_id}-desc").text_content())


@pytest.mark.parametrize("width", [1280, 375])
def test_charts_fit_and_describe_what_they_draw(  # type: ignore[no-untyped-def]
    new_page, product, shots: Path, width: int
) -> None:
    page = new_page(width=width)
    login(page, product["user"])
    page.goto(f"/products/{product['id']}")
    desc = _chart_ok(page, "version-chart")
    assert desc.startswith("(default): no run; 2023.1: 9")  # 6 of ~60 tests short
    assert "2024.1: 100% of 2020.06 platform, meets; 2025.1: no run" in desc
    bars = page.locator("svg#version-chart rect.fill-ok, svg#version-chart rect.fill")
    assert bars.count() == 2
    page.locator("#trend-h").scroll_into_view_if_needed()
    shot(page, shots, f"chart-versions-{width}", full=False)

    page.goto("/scoring/2020.06?target=platform")
    desc = _chart_ok(page, "score-chart")
    assert "Cut-off 74." in desc
    assert page.locator("svg#score-chart line.cutoff").count() == 1
    page.locator("#dist-h").scroll_into_view_if_needed()
    shot(page, shots, f"chart-scores-{width}", full=False)
    # a what-if cut-off from the form moves the line
    page.get_by_label("Cut-off", exact=True).fill("40")
    page.get_by_role("button", name="Re-score").click()
    assert "Cut-off 40." in str(page.locator("#score-chart-desc").text_content())

    page.goto("/guidelines/diff?from=2017.09&to=2020.06")
    desc = _chart_ok(page, "diff-chart")
    assert desc.startswith("capabilities added: 7; capabilities removed: 16; status changes: 79")
    # removals drawn in the "bad" colour, the rest in the "ok" one
    assert page.locator("svg#diff-chart rect.fill").count() == 2  # capabilities, tests removed
    page.locator("#size-h").scroll_into_view_if_needed()
    shot(page, shots, f"chart-diff-{width}", full=False)
