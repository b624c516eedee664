"""``refcore serve --workers N``: several processes share the port and the database."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from refcore_testing import _fresh_database, start_server, stop_server


@pytest.fixture
def workers_server(db_kind, interop_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    url, cleanup = _fresh_database(db_kind, "workers", tmp_path_factory)
    process, base = start_server(url, interop_dir, "--workers", "2")
    yield base
    stop_server(process)
    cleanup()


def test_two_workers_lose_no_upload(workers_server, guidelines) -> None:  # type: ignore[no-untyped-def]
    names = [x.split("[")[0] for x in guidelines["2020.06"].test_list("object", alias=False)]

    def upload(i: int) -> str:
        body = json.dumps(
            {
                "cpid": f"cloud-{i % 3}",
                "duration_seconds": i,
                "results": [{"name": n} for n in names],
            }
        )
        with httpx.Client(base_url=workers_server, timeout=30) as client:
            r = client.post(
                "/v1/results/", content=body, headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 201, r.text
            return str(r.json()["test_id"])

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(upload, range(30)))
    assert len(ids) == 30
    listed: set[str] = set()
    page, pages = 1, 1
    while page <= pages:
        data = httpx.get(f"{workers_server}/v1/results/?page={page}", timeout=30).json()
        listed |= {item["id"] for item in data["results"]}
        pages = data["pagination"]["total_pages"]
        page += 1
    assert listed == ids
