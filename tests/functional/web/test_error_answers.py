"""One error handler answers each asker in its own form: a browser gets a page (with the way
back), JSON clients the v2 envelope, RefStack clients RefStack's shape (issue 10)."""

from __future__ import annotations

from typing import Any

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_unknown_page_in_a_browser_is_an_html_page_with_the_way_back(visit: Any) -> None:
    v = visit()
    r = v.get("/no/such/page", headers={**BROWSER, "referer": "http://localhost/guidelines"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and 'href="/guidelines"' in r.text


def test_a_referer_from_elsewhere_is_not_linked(visit: Any) -> None:
    r = visit().get("/no/such/page", headers={**BROWSER, "referer": "https://evil.example/x"})
    assert r.status_code == 404 and "evil.example" not in r.text


def test_json_clients_get_json(visit: Any) -> None:
    v = visit()
    r = v.get("/no/such/page", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.json()["ok"] is False
    r = v.get("/v2/no-such-thing")
    assert r.status_code == 404 and r.json() == {
        "ok": False,
        "error": "Not Found",
        "errors": [],
        "status": 404,
    }
    r = v.get("/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["code"] == 404


def test_a_browser_on_an_api_path_gets_a_page(visit: Any) -> None:
    r = visit().get("/v2/runs/not-a-run", headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
