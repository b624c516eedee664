"""Issue 16, broken item 2: Tempest's ``[id-...]`` suffix is read on every intake path.

The run: every one of 2020.06 object's 58 tests passed, named as Tempest lists them
(``tempest-47.0.0-list.txt``: ``name[id-<uuid>,smoke]``). Sent as v1 JSON, v2 JSON,
a browser file upload and given to ``refcore report``, it meets 2020.06 object.
A run holding none or very few of a guideline's tests carries a loud warning.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def storage_names(guidelines, shared_dir: Path) -> list[str]:  # type: ignore[no-untyped-def]
    from refcore.core.runs import split_test_id

    g = guidelines["2020.06"]
    wanted = {t.name: t for _, t in g.tests("object")}
    by_uuid = {t.uuid: n for n, t in wanted.items() if t.uuid}
    names = []
    listing = shared_dir / "samples" / "tempest" / "tempest-47.0.0-list.txt"
    for line in listing.read_text().splitlines():
        base, _attrs, uuid = split_test_id(line)
        if base in wanted or (uuid and uuid in by_uuid):
            names.append(line.strip())
    assert len({split_test_id(n)[0] for n in names}) == 58
    assert all("[id-" in n for n in names)
    return names


def _meets_object(visitor, run_id: str) -> dict:  # type: ignore[type-arg]
    report = visitor.get(f"/v2/runs/{run_id}/report?guideline=2020.06&target=object").json()
    assert report["meets"], report["summary"]
    assert report["summary"]["nonFlagPassCount"] == report["summary"]["totalNonFlagCount"] > 0
    assert report["warnings"] == []
    page = visitor.get(f"/results/{run_id}?guideline=2020.06&target=object").text
    assert "Does not meet" not in page and "Meets 2020.06 object" in page
    met = visitor.get(f"/v2/runs/{run_id}/meets").json()["meets"]
    assert {"guideline": "2020.06", "target": "object"} in [
        {"guideline": m["guideline"], "target": m["target"]} for m in met
    ]
    return report


def test_v1_json_with_id_suffixes_meets_object(visit, storage_names) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    body = {
        "cpid": "c" * 32,
        "duration_seconds": 5105,
        "results": [{"name": n} for n in storage_names],
    }
    r = v.post("/v1/results", json=body)
    assert r.status_code == 201, r.text
    report = _meets_object(v, r.json()["test_id"])
    assert report["summary"]["totalNonFlagCount"] >= 58
    tests = v.get(f"/v2/runs/{r.json()['test_id']}/tests").json()
    assert all("[" not in t["name"] and t["uuid"] for t in tests)
    page = v.get(f"/results/{r.json()['test_id']}").text
    assert "1 h 25 min" in page and " UTC" in page


def test_v2_json_with_id_suffixes_meets_object(visit, storage_names) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    body = json.dumps(
        {"cpid": "c" * 32, "duration_seconds": 60, "results": [{"name": n} for n in storage_names]}
    )
    r = v.post("/v2/runs", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    _meets_object(v, r.json()["id"])


def test_v2_passed_list_sent_as_curl_sends_it(visit, storage_names) -> None:  # type: ignore[no-untyped-def]
    """Item 3: curl --data-binary labels the body as a form; it is a run file, accepted."""
    v = visit()
    listing = ("\n".join(storage_names) + "\n").encode()
    r = v.post(
        "/v2/runs", content=listing, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 201, r.text
    _meets_object(v, r.json()["id"])
    home = v.get("/").text
    assert "Content-Type: application/octet-stream" in home


def test_browser_file_upload_lands_on_the_report(visit, storage_names) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    form = v.get("/results/upload")
    assert form.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    body = json.dumps(
        {"cpid": "d" * 32, "duration_seconds": 60, "results": [{"name": n} for n in storage_names]}
    )
    r = v.post(
        "/results/upload",
        data={"csrf": token},
        files={"run_file": ("storage.json", body.encode(), "application/json")},
        headers={"Referer": "http://localhost/results/upload"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[-400:]
    run_id = r.headers["location"].rsplit("/", 1)[1]
    _meets_object(v, run_id)


def test_cli_report_reads_the_suffix(storage_names, tmp_path: Path, interop_dir: Path) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "storage.json"
    run.write_text(
        json.dumps(
            {
                "cpid": "e" * 32,
                "duration_seconds": 60,
                "results": [{"name": n} for n in storage_names],
            }
        )
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "refcore",
            "report",
            str(run),
            "--guideline",
            "2020.06",
            "--target",
            "object",
            "--json",
            "--guidelines",
            str(interop_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["meets"] is True and out["warnings"] == []


def test_a_run_matching_almost_nothing_warns_loudly(visit, storage_names) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    unrelated = "\n".join(f"my.own.suite.Test.test_{i}" for i in range(40)) + "\n"
    r = v.post("/v2/runs", content=unrelated, headers={"Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    report = v.get(f"/v2/runs/{run_id}/report?guideline=2020.06&target=platform").json()
    assert report["warnings"] and report["warnings"][0].startswith(
        "None of the 284 tests of 2020.06 platform"
    )
    page = v.get(f"/results/{run_id}?guideline=2020.06&target=platform").text
    assert 'role="alert"' in page and "None of the 284 tests" in page
    # a storage-only run against the platform program: few of its tests
    few = "\n".join(storage_names[:10]) + "\n"
    r = v.post("/v2/runs", content=few, headers={"Content-Type": "text/plain"})
    report = v.get(f"/v2/runs/{r.json()['id']}/report?guideline=2020.06&target=platform").json()
    assert report["warnings"] and report["warnings"][0].startswith("Only 10 of the 284 tests")
