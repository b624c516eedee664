"""Issue 10, item 9, over real HTTP against ``refcore serve``: a forged ``Host`` is refused,
and the absolute URLs name where the server listens (``http://127.0.0.1:PORT``)."""

from __future__ import annotations

import json
from typing import Any


def test_serve_refuses_a_forged_host_and_names_itself(http: Any, live_server: Any) -> None:
    r = http.get("/v1/auth/signout", headers={"host": "evil.example"})
    assert r.status_code == 400 and "location" not in r.headers
    assert r.json()["title"].startswith("Invalid Host header 'evil.example'")
    assert r.headers["x-frame-options"] == "DENY"  # refused answers carry the headers too
    body = {"cpid": "c-live-hosts", "duration_seconds": 1, "results": [{"name": "t.a"}]}
    r = http.post("/v1/results", content=json.dumps(body), headers={"host": "evil.example"})
    assert r.status_code == 400
    r = http.get("/v1/auth/signout", headers={"host": "localhost:1"})
    assert r.status_code == 302 and r.headers["location"] == f"{live_server.url}/#/logout"
    r = http.post("/v1/results", content=json.dumps(body))
    assert r.status_code == 201, r.text
    assert r.json()["url"] == f"{live_server.url}/#/results/{r.json()['test_id']}"
