"""8 parallel uploaders x 50 runs over real HTTP: every run is stored, whole, once."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from api_signing import new_key, run_content, sign, signed_upload, ssh_line

UPLOADERS, RUNS = 8, 50


@pytest.mark.slow
def test_parallel_uploaders_lose_nothing(live_server, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    cpid = "parallel-" + uuid.uuid4().hex
    token = live_server.user("parallel-" + uuid.uuid4().hex[:8])
    key = new_key()
    payload = {"raw_key": ssh_line(key), "self_signature": sign(key, b"signature")}
    auth = {"Authorization": f"Bearer {token}"}
    assert http.post("/v1/profile/pubkeys", json=payload, headers=auth).status_code == 201

    def uploader(worker: int) -> list[tuple[str, list[str]]]:
        done = []
        with httpx.Client(base_url=live_server.url, timeout=120) as client:
            for i in range(RUNS):
                # overlapping and new names, so interning races are exercised too
                content = run_content(30, cpid=cpid, prefix=f"tempest.p{(worker + i) % 5}")
                content["results"].append({"name": f"tempest.unique.w{worker}.r{i}"})
                if i % 2:
                    body, headers = signed_upload(key, content)
                else:
                    body, headers = (
                        json.dumps(content).encode(),
                        {"Content-type": "application/json"},
                    )
                r = client.post("/v1/results/", content=body, headers=headers)
                assert r.status_code == 201, r.text
                done.append((r.json()["test_id"], [t["name"] for t in content["results"]]))
        return done

    with ThreadPoolExecutor(UPLOADERS) as pool:
        uploaded = [run for runs in pool.map(uploader, range(UPLOADERS)) for run in runs]
    assert len({run_id for run_id, _ in uploaded}) == UPLOADERS * RUNS

    # anonymous halves are listed; the signed halves are the owner's
    public = http.get("/v1/results", params={"cpid": cpid}).json()
    assert public["pagination"]["total_pages"] == (UPLOADERS * RUNS // 2 + 19) // 20
    seen: set[str] = set()
    page = 1
    while True:
        body = http.get(
            "/v1/results", params={"cpid": cpid, "signed": "", "page": page}, headers=auth
        ).json()
        seen.update(i["id"] for i in body["results"])
        if page >= body["pagination"]["total_pages"]:
            break
        page += 1
    assert len(seen) == UPLOADERS * RUNS // 2
    for run_id, names in uploaded[::17]:
        detail = http.get(f"/v1/results/{run_id}", headers=auth).json()
        assert sorted(detail["results"]) == sorted(names)
