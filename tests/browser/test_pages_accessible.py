"""Every page from the navigation (and the pages they lead to) at desktop and phone
width: it loads, nothing overflows sideways at 375 px, every form field has a label,
and text keeps WCAG AA contrast."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from browser_helpers import (
    horizontal_overflow,
    login,
    low_contrast,
    shot,
    unlabelled_fields,
    wide_elements,
)

#: text whose contrast is checked on every page
TEXT = "body, main p, main li, main td, main th, main label, main a, nav a, .brand, button, .button, .status, .badge, .tag, .gstatus, .state, .muted, .flash, legend, dt, dd, h1, h2, h3"


@pytest.fixture(scope="module")
def member(server, guidelines):  # type: ignore[no-untyped-def]
    """A user with a vendor, a product and a run, so every page has content."""
    name = "member-" + uuid.uuid4().hex[:6]
    token = server.user(name)
    g = guidelines["2020.06"]
    results = [{"name": t.name, "uuid": t.uuid or ""} for _, t in g.tests("platform")][:150]
    body = {"cpid": "cpid-" + uuid.uuid4().hex, "duration_seconds": 5, "results": results}
    r = httpx.post(
        server.url + "/v1/results/",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return {"name": name, "run": r.json()["test_id"]}


def nav_pages(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "nav[aria-label=Main] a", "els => els.map(e => e.getAttribute('href'))"
    )


def test_every_navigation_page_loads_for_a_member(new_page, member, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    login(page, member["name"])
    hrefs = nav_pages(page)
    for expected in (
        "/guidelines",
        "/results",
        "/results/mine",
        "/vendors",
        "/products",
        "/scoring",
        "/verdicts",
    ):
        assert expected in hrefs
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, href
        assert page.locator("h1").count() == 1, href
        assert page.locator(f"nav a[href='{href}'][aria-current=page]").count() == 1, href


def _pages(member) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "/",
        "/guidelines",
        "/guidelines/2020.06",
        "/guidelines/2020.06/tests",
        "/guidelines/2020.06/sections",
        "/guidelines/diff",
        f"/results/{member['run']}",
        "/results",
        "/results/mine",
        "/vendors",
        "/products",
        "/scoring/2020.06",
        "/verdicts",
        "/profile",
        "/login",
    ]


@pytest.mark.parametrize("width", [375, 1280])
def test_pages_fit_the_screen_have_labels_and_contrast(
    new_page, member, shots: Path, width: int
) -> None:  # type: ignore[no-untyped-def]
    page = new_page(width=width, height=800)
    login(page, member["name"])
    problems = []
    for path in _pages(member):
        page.goto(path)
        over = horizontal_overflow(page)
        if over > 0:
            problems.append(
                f"{path}: {over}px wider than the {width}px screen: {wide_elements(page)}"
            )
        for field in unlabelled_fields(page):
            problems.append(f"{path}: field without a label: {field}")
        for item in low_contrast(page, TEXT):
            problems.append(f"{path}: contrast {item['ratio']:.2f} for {item['text']!r}")
        name = "home" if path == "/" else path.strip("/").replace("/", "-")
        if "results-" in name and len(name) > 20:
            name = "results-report"
        shot(page, shots, f"{name}-{width}", full=False)
    assert not problems, "\n".join(problems[:40])


def test_hash_links_from_refstack_clients_open_the_report(new_page, member) -> None:  # type: ignore[no-untyped-def]
    """refstack-client prints <server>/#/results/<id>; the home page sends it on."""
    page = new_page()
    login(page, member["name"])
    page.goto(f"/#/results/{member['run']}")
    page.wait_for_url(re.compile(rf"^[^#]*/results/{member['run']}$"))
    assert page.locator("h1").inner_text().startswith("Test run report")


def test_copy_button_and_test_list_options(new_page, guidelines, shots: Path) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/guidelines/2020.06/tests?target=platform")
    listed = page.locator("#testlist").input_value()
    assert listed.splitlines() == g.test_list("platform", ["required"], alias=True, flag=False)
    assert int(page.locator("#count").inner_text()) == len(listed.splitlines())
    page.get_by_role("button", name="Copy").click()
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == listed
    # ticking "include flagged tests" re-submits the form (progressive JS)
    page.get_by_label("include flagged tests").check()
    page.wait_for_url(re.compile(r"flag=true"))
    with_flagged = g.test_list("platform", ["required"], alias=True, flag=True)
    assert len(with_flagged) > len(listed.splitlines())
    assert int(page.locator("#count").inner_text()) == len(with_flagged)
    shot(page, shots, "test-list-flagged")
