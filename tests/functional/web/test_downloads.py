"""Every list and report page downloads as JSON and CSV: the same data the page shows."""

from __future__ import annotations

import csv
import io

import pytest

PAGES = [
    ("/guidelines", "guidelines", "id"),
    ("/vendors", "vendors", "id"),
    ("/products", "products", "id"),
    ("/capabilities/compute-servers-create", "capability-compute-servers-create", "guideline"),
    ("/scoring/2020.06?target=object", "scorecard-2020.06-object", "capability"),
    ("/guidelines/diff?from=2019.11&to=2020.06", "diff-2019.11-2020.06", "change"),
    ("/results", "community-results-page-1", "id"),
]


@pytest.mark.parametrize(("path", "name", "first"), PAGES)
def test_page_downloads_json_and_csv(visit, path: str, name: str, first: str) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    page = v.get(path)
    assert page.status_code == 200
    sep = "&" if "?" in path else "?"
    assert "format=json" in page.text and "format=csv" in page.text  # the links
    data = v.get(f"{path}{sep}format=json")
    assert data.status_code == 200 and data.headers["content-type"] == "application/json"
    assert f'filename="{name}.json"' in data.headers["content-disposition"]
    table = v.get(f"{path}{sep}format=csv")
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="{name}.csv"' in table.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0][0] == first
    doc = data.json()
    if path == "/guidelines":
        assert [r[0] for r in rows[1:]] == [g["id"] for g in doc]
        assert "2020.06" in [g["id"] for g in doc]
    if path.startswith("/scoring"):
        assert len(rows) - 1 == len(doc["capabilities"]) > 0
        assert doc["target"] == "object"
    if path.startswith("/capabilities"):
        assert {r[0] for r in rows[1:]} == {e["guideline"] for e in doc["entries"]}
    if "diff" in path:
        assert {r[0]: int(r[1]) for r in rows[1:]} == doc["counts"]
    bad = v.get(f"{path}{sep}format=xml")
    assert bad.status_code == 400 and "Unknown format" in bad.text
