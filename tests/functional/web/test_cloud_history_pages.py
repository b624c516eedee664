"""A registered cloud's history through the real app (in-process), both databases: the page
(chart, runs, regressions with links to both runs, flaky tests), the JSON and CSV, who may
read them, ``/metrics`` with a token, the public listing and the badge showing "at-risk";
the cloud's secret in no answer."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from continuous_data import SECRET, certify, required_tests, seed

from refcore.storage.models import utcnow


def _seed(web: Any, guidelines: Any) -> Any:
    a, b = (n for n, _ in required_tests(guidelines)[:2])
    start = utcnow() - timedelta(days=6)
    with web.db.read() as session:
        h = seed(
            session,
            guidelines,
            start=start,
            plan=[
                (0, "schedule", set()),
                (1, "schedule", {a, b}),
                (2, "schedule", set()),
                (3, "manual", {a}),
                (4, "schedule", set()),
                (5, "schedule", {a}),
            ],
        )
        h.certificate = certify(session, guidelines, h, start + timedelta(minutes=30))  # type: ignore[attr-defined]
    h.a, h.b = a, b  # type: ignore[attr-defined]
    return h


def test_history_page_api_csv_and_metrics(web: Any, visit: Any, guidelines: Any) -> None:
    h = _seed(web, guidelines)
    v = visit()
    v.login(h.admin)
    page = v.get(f"/clouds/{h.cloud_id}/history")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert "6 runs, 3 meet" in html
    assert 'data-freshness="at-risk"' in html
    # the regression of the last run links both runs' reports
    assert f'href="/results/{h.runs[4]}?guideline=2020.06&amp;target=object"' in html
    assert f'href="/results/{h.runs[5]}?guideline=2020.06&amp;target=object"' in html
    assert h.a in html and "still failing" in html and "recovered" in html
    assert "flipped" in html
    assert SECRET not in html

    # the same data as JSON and CSV, with a token
    auth = {"Authorization": f"Bearer {h.token}"}
    body = v.get(f"/v2/clouds/{h.cloud_id}/history", headers=auth).json()
    (s,) = body["series"]
    assert [r["run_id"] for r in s["runs"]] == h.runs
    assert s["regressions"][0]["passed_in"]["run_id"] == h.runs[4]
    r = v.get(f"/v2/clouds/{h.cloud_id}/history.csv", headers=auth)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["run_id"] for x in rows] == h.runs and rows[-1]["meets"] == "no"
    bad = v.get(f"/v2/clouds/{h.cloud_id}/history", params={"guideline": "2019.11"}, headers=auth)
    assert bad.status_code == 400 and "not tested for 2019.11" in bad.json()["error"]

    # /metrics: Prometheus' text format with the vendor's token
    m = v.get("/metrics", headers=auth)
    assert m.status_code == 200 and m.headers["content-type"].startswith(
        "text/plain; version=0.0.4"
    )
    assert f'cloud_id="{h.cloud_id}"' in m.text
    assert "# TYPE refcore_cloud_pass_percent gauge" in m.text
    assert SECRET not in m.text + r.text + str(body)


def test_nobody_else_reads_it(web: Any, visit: Any, guidelines: Any) -> None:
    h = _seed(web, guidelines)
    anonymous = visit()
    assert anonymous.get(f"/v2/clouds/{h.cloud_id}/history").status_code == 401
    refused = anonymous.get("/metrics")
    # a scraper's error: the v2 JSON envelope, not a login page (as /openapi.json declares)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["ok"] is False
    # a scraper without its token: 401 in the v2 envelope (a browser gets the HTML page)
    refused = anonymous.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0, text/plain;q=0.5"})  # fmt: skip
    assert refused.status_code == 401 and refused.json()["status"] == 401
    assert "text/html" in anonymous.get("/metrics", headers={"Accept": "text/html"}).headers["content-type"]  # fmt: skip
    _, token = web.user("cw-stranger")
    auth = {"Authorization": f"Bearer {token}"}
    assert anonymous.get(f"/v2/clouds/{h.cloud_id}/history", headers=auth).status_code == 404
    assert anonymous.get(f"/v2/clouds/{h.cloud_id}/history.csv", headers=auth).status_code == 404
    m = anonymous.get("/metrics", headers=auth)
    assert m.status_code == 200 and h.cloud_id not in m.text
    _, boss = web.user("cw-boss", foundation=True)
    r = anonymous.get(f"/v2/clouds/{h.cloud_id}/history", headers={"Authorization": f"Bearer {boss}"})  # fmt: skip
    assert r.status_code == 404


def test_the_public_record_shows_at_risk(web: Any, visit: Any, guidelines: Any) -> None:
    h = _seed(web, guidelines)
    v = visit()
    item = v.get(f"/v2/certifications?vendor={h.vendor_id}").json()["certificates"][0]
    assert item["id"] == h.certificate and item["status"] == "at-risk"
    assert item["freshness"]["status"] == "at-risk" and h.runs[5] not in str(item)
    badge = v.get(f"/badges/{h.certificate}.svg")
    assert "at-risk" in badge.text and "#a3330c" in badge.text
    page = v.get(f"/certified/{h.certificate}").text
    assert 'id="cert-status">at-risk' in page and "failed; it lapses on" in page
    listing = v.get("/certified", params={"status": "at-risk"}).text
    assert h.certificate in listing
    # the feed says when it became at risk (the failing scheduled run's time, no run id)
    feed = v.get("/certified.atom").text
    assert f"urn:refcore:certificate:{h.certificate}:at-risk:" in feed
    assert "<title>At-risk: Watch Cloud" in feed and h.runs[5] not in feed
