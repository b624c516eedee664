"""Certification in a real Chromium, both databases: a vendor requests Storage with the
real 58/58 storage run through the form (the declaration template filled in), sees every
pre-check pass; a short run stops at its named pre-check; the Foundation finds the request
in /review and approves it; the public list, the badge (ETag, 304), the feed and the CSV
show it; a server with its clock set ahead shows it expired; revocation changes the list
and the badge at once; /audit holds every step. At 1280 and 375 px."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from browser_helpers import horizontal_overflow, login, shot, wide_elements
from refcore_testing import start_server, stop_server


def _api(server: Any, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def _fits(page: Any) -> None:
    assert horizontal_overflow(page) == 0, wide_elements(page)


def test_certification_in_the_browser(
    new_page: Any, server: Any, shots: Path, samples_dir: Path, interop_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    vendor, found = f"vendor-{tag}", f"found-{tag}"
    token = server.user(vendor)
    server.user(found, foundation=True)
    body = (samples_dir / "refstack-client" / "upload-body.json").read_bytes()
    short = json.loads(body)
    short["results"] = short["results"][3:]
    with _api(server, token) as api:
        r = api.post(
            "/v1/products", json={"name": f"Swift Cloud {tag}", "product_type": 1, "version": "1.0"}
        )
        assert r.status_code == 201, r.text
        product_id = r.json()["id"]
        good = api.post("/v2/runs", content=body).json()["id"]
        bad = api.post("/v2/runs", content=json.dumps(short).encode()).json()["id"]

    # the vendor: the form, the template, the pre-checks at once
    page = new_page()
    login(page, vendor)
    page.get_by_role("link", name="Certification requests").click()
    page.get_by_role("link", name="Request a certification").click()
    page.get_by_label("Program", exact=True).select_option("object")
    page.get_by_role("button", name="Load the declaration template").click()
    assert "swift:" in page.get_by_label("Sections declaration").input_value()
    page.get_by_label("Product version").select_option(label=f"Swift Cloud {tag} 1.0")
    page.get_by_label("Run id(s)").fill(bad)
    page.get_by_role("button", name="Send the request").click()
    assert "blocked by failed pre-checks: run_meets_claim, verdict_allows" in page.content()
    failed = page.locator("li.failed[data-check=run_meets_claim]")
    assert "does not meet object of 2020.06" in failed.inner_text()
    shot(page, shots, "certification-request-blocked")

    page.goto("/certification/new?guideline=2020.06&program=storage")
    page.get_by_label("Product version").select_option(label=f"Swift Cloud {tag} 1.0")
    page.get_by_label("Run id(s)").fill(good)
    page.get_by_role("button", name="Send the request").click()
    assert "Every pre-check passed" in page.content()
    assert page.locator("#state").inner_text() == "pending"
    assert page.locator("#checks li.ok").count() == 8
    assert page.locator("#checks li.failed").count() == 0
    request_url = page.url
    shot(page, shots, "certification-request-pending")

    # the Foundation: the queue, the decision
    admin = new_page()
    login(admin, found)
    admin.get_by_role("link", name="Review", exact=True).click()
    row = admin.locator("#review-requests tr", has_text=f"Swift Cloud {tag}").filter(
        has_text="all passed"
    )
    assert row.count() == 1
    row.get_by_role("link").click()
    assert admin.url == request_url
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    admin.get_by_label("Reason").fill("all pre-checks passed")
    admin.get_by_label("Valid until").fill(later)
    admin.get_by_role("button", name="Approve").click()
    assert (
        "certificate"
        in admin.locator(".flash, [role=status], .notice, body").first.inner_text().lower()
    )
    assert admin.locator("#state").inner_text() == "approved"
    cert_link = admin.locator("dd a[href^='/certified/']")
    cert_id = cert_link.inner_text()

    # the public: list, certificate, badge, feed, CSV
    visitor = new_page()
    visitor.goto("/certified")
    listed = visitor.locator(f"#certified tr[data-id='{cert_id}']")
    assert "OpenStack Powered Storage" in listed.inner_text()
    assert listed.locator(".badge").inner_text() == "expiring"  # ends in 30 days (< 60)
    shot(visitor, shots, "certified-1280")
    visitor.get_by_label("Status").select_option("valid")
    visitor.get_by_role("button", name="Filter").click()
    assert visitor.locator(f"#certified tr[data-id='{cert_id}']").count() == 0
    # the product page shows its certificates per version (the vendor's: it is private)
    page.goto(f"/products/{product_id}")
    section = page.locator("section[aria-labelledby=certs-h]")
    assert section.locator("h3").inner_text() == "1.0"
    assert "OpenStack Powered Storage 2020.06" in section.inner_text()
    badge = httpx.get(f"{server.url}/badges/{cert_id}.svg", timeout=30)
    assert badge.headers["content-type"] == "image/svg+xml"
    assert "expiring" in badge.text and "#8a5300" in badge.text
    again = httpx.get(
        f"{server.url}/badges/{cert_id}.svg",
        headers={"If-None-Match": badge.headers["etag"]},
        timeout=30,
    )
    assert again.status_code == 304
    feed = httpx.get(f"{server.url}/certified.atom", timeout=30)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert f"Issued: Swift Cloud {tag} 1.0 — OpenStack Powered Storage 2020.06" in feed.text
    assert f"Expiring: Swift Cloud {tag} 1.0" in feed.text
    assert cert_id in httpx.get(f"{server.url}/v2/certifications.csv", timeout=30).text

    # the same record read 31 days later (a server on the same database, its clock ahead)
    future = (datetime.now(UTC) + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S")
    process, url = start_server(
        server.db_url, interop_dir, env={"REFCORE_CERTIFICATION_CLOCK": future}
    )
    try:
        visitor.goto(f"{url}/certified")
        assert (
            visitor.locator(f"#certified tr[data-id='{cert_id}'] .badge").inner_text() == "expired"
        )
        assert "expired" in httpx.get(f"{url}/badges/{cert_id}.svg", timeout=30).text
    finally:
        stop_server(process)

    # revocation, at once
    admin.goto(f"/certified/{cert_id}")
    admin.once("dialog", lambda d: d.accept())
    admin.get_by_label("Reason (shown publicly)").fill("trademark agreement lapsed")
    admin.get_by_role("button", name="Revoke").click()
    assert admin.locator("#cert-status").inner_text() == "revoked"
    visitor.goto("/certified?status=revoked")
    assert visitor.locator(f"#certified tr[data-id='{cert_id}'] .badge").inner_text() == "revoked"
    assert "revoked" in httpx.get(f"{server.url}/badges/{cert_id}.svg", timeout=30).text

    # the audit log holds every step
    admin.get_by_role("link", name="Audit").click()
    text = admin.locator("#audit").inner_text()
    for action in ("declare", "request", "approve", "issue", "revoke"):
        assert action in text, action
    assert "trademark agreement lapsed" in text
    shot(admin, shots, "audit-1280")

    # 375 px: nothing wider than the screen
    small = new_page(width=375)
    login(small, found)
    for path, name in (
        ("/certified", "certified-375"),
        (request_url, "certification-request-375"),
        ("/review", "review-375"),
        ("/audit", "audit-375"),
        (f"/certified/{cert_id}", "certificate-375"),
    ):
        small.goto(path)
        _fits(small)
        shot(small, shots, name)
    small.goto("/certification/new")
    _fits(small)
