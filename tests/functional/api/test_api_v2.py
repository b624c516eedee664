"""refcore v2 over real HTTP: any-format uploads, outcomes kept, cached reports,
what a run meets, product versions, and one error envelope everywhere."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from refcore.core.compliance import evaluate
from refcore.core.results import parse_run


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def subunit_sample(samples_dir: Path) -> bytes:
    return (samples_dir / "refstack-client" / "identity-2020.06.subunit").read_bytes()


def test_upload_subunit_keeps_outcomes_and_reports(
    http: httpx.Client, live_server, samples_dir: Path, guidelines
) -> None:  # type: ignore[no-untyped-def]
    data = subunit_sample(samples_dir)
    expected = parse_run(data)
    r = http.post("/v2/runs", content=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    created = r.json()
    counts = expected.counts()
    assert created["format"] == expected.format
    assert created["counts"] == {
        "total": len(expected),
        "pass": counts["pass"],
        "fail": counts["fail"] + counts["error"],
        "skip": counts["skip"],
    }
    run_id = created["id"]
    tests = http.get(f"/v2/runs/{run_id}/tests").json()
    assert {t["name"]: t["outcome"] for t in tests} == {r.name: r.outcome.value for r in expected}
    # the v1 view of the same run lists only the passed tests
    v1 = http.get(f"/v1/results/{run_id}").json()
    assert sorted(v1["results"]) == sorted(expected.passed_names())

    report = http.get(
        f"/v2/runs/{run_id}/report", params={"guideline": "2020.06", "target": "platform"}
    )
    assert report.status_code == 200
    body = report.json()
    core = evaluate(expected, guidelines["2020.06"], "platform").to_dict()
    assert body["summary"] == core["summary"] and body["meets"] == core["meets"]
    assert body["run_id"] == run_id
    # computed once (on this read, or before it by the server's preparer after the
    # upload): stored, and the second answer is the stored text
    from refcore.storage.models import RunReport

    with live_server.db.read() as session:
        stored = session.scalars(
            select(RunReport).where(
                RunReport.run_id == run_id,
                RunReport.guideline == "2020.06",
                RunReport.target == "platform",
            )
        ).all()
    assert len(stored) == 1
    again = http.get(
        f"/v2/runs/{run_id}/report", params={"guideline": "2020.06", "target": "platform"}
    )
    assert again.content == report.content == stored[0].body.encode()

    meets = http.get(f"/v2/runs/{run_id}/meets").json()
    assert {(m["guideline"], m["target"]) for m in meets["meets"]} <= {
        (m["guideline"], m["target"]) for m in meets["all"]
    }
    assert any(m["guideline"] == "2020.06" and m["target"] == "object" for m in meets["all"])


def test_upload_passed_list_and_json(http: httpx.Client) -> None:
    listing = b"tempest.api.a.B.test_one[id-0146f675-ffbd-4208-b3a4-60eb628dbc5e]\ntempest.api.a.B.test_two\n"
    r = http.post(
        "/v2/runs?cpid=abc&duration_seconds=7",
        content=listing,
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 201 and r.json()["counts"]["pass"] == 2
    run = http.get(f"/v2/runs/{r.json()['id']}").json()
    assert run["format"] == "passed-list" and run["duration_seconds"] == 7
    assert "cpid" not in run  # anonymous readers never see the cpid


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("post", "/v2/runs", {"content": b"\x00\x01garbage"}, 400),
        ("post", "/v2/runs", {"content": b""}, 400),
        (
            "post",
            "/v2/runs",
            {"content": b"a=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            415,
        ),
        ("get", "/v2/runs/nope", {}, 404),
        ("get", "/v2/runs/nope/report?guideline=2020.06", {}, 404),
        ("get", "/v2/runs?page=0", {}, 400),
        ("get", "/v2/runs?mine=true", {}, 401),
        ("get", "/v2/guidelines/1999.01/tests", {}, 404),
        ("get", "/v2/no-such-endpoint", {}, 404),
        ("delete", "/v2/runs/nope", {}, 404),
    ],
)
def test_one_error_shape_everywhere(
    http: httpx.Client, method: str, path: str, kwargs: dict, status: int
) -> None:
    r = getattr(http, method)(path, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)


def test_report_errors(http: httpx.Client, samples_dir: Path) -> None:
    run_id = http.post("/v2/runs", content=subunit_sample(samples_dir)).json()["id"]
    r = http.get(f"/v2/runs/{run_id}/report", params={"guideline": "1999.01"})
    assert (r.status_code, r.json()["error"]) == (404, "Guideline not found: 1999.01")
    r = http.get(f"/v2/runs/{run_id}/report", params={"guideline": "2020.06", "target": "moon"})
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid target: moon")


def test_too_large_is_413_envelope(http: httpx.Client) -> None:
    r = http.post("/v2/runs", content=b"x" * (20 * 1024 * 1024 + 1))
    assert r.status_code == 413
    assert r.json()["status"] == 413 and r.json()["ok"] is False


def test_too_large_chunked_is_413_whoever_reads_the_body(http: httpx.Client) -> None:
    """Without a Content-Length the limit trips while the body is read; FastAPI reads
    JSON models itself and used to answer its own 400 "There was an error parsing the
    body". (Forms stop earlier, at Starlette's 1 MB per field, with a 400 saying so.)"""

    def chunks() -> Iterator[bytes]:
        for _ in range(21):
            yield b"x" * (1024 * 1024)

    for path, ctype in (
        ("/v2/runs", "application/octet-stream"),  # the handler reads the body
        ("/v2/verdicts", "application/json"),  # a pydantic model
    ):
        r = http.post(path, content=chunks(), headers={"Content-Type": ctype})
        assert r.status_code == 413, (path, r.text[:200])
        assert r.json() == {
            "ok": False,
            "error": "Request body too large: the limit is 20971520 bytes",
            "errors": [],
            "status": 413,
        }
    r = http.post("/v1/vendors", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["title"] == "Request Entity Too Large"


def test_private_run_and_product_version(
    http: httpx.Client, live_server, samples_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    owner = live_server.user("v2-owner-" + uuid.uuid4().hex[:6])
    other = live_server.user("v2-other-" + uuid.uuid4().hex[:6])
    r = http.post("/v2/runs", content=subunit_sample(samples_dir), headers=bearer(owner))
    run_id = r.json()["id"]
    assert http.get(f"/v2/runs/{run_id}").status_code == 401
    assert (
        http.get(f"/v2/runs/{run_id}/report?guideline=2020.06", headers=bearer(other)).status_code
        == 401
    )
    mine = http.get("/v2/runs", params={"mine": "true"}, headers=bearer(owner)).json()
    assert [i["id"] for i in mine["items"]] == [run_id] and mine["total"] == 1

    product = http.post(
        "/v1/products", json={"name": "P", "product_type": 1, "version": "1"}, headers=bearer(owner)
    ).json()["id"]
    version = next(
        v
        for v in http.get(f"/v1/products/{product}/versions", headers=bearer(owner)).json()
        if v["version"] == "1"
    )
    r = http.put(
        f"/v2/runs/{run_id}/product-version",
        json={"product_version_id": version["id"]},
        headers=bearer(owner),
    )
    assert r.status_code == 200 and r.json()["product_version"]["id"] == version["id"]
    linked = http.get(
        "/v2/runs", params={"product_version_id": version["id"]}, headers=bearer(owner)
    ).json()
    assert [i["id"] for i in linked["items"]] == [run_id]
    assert (
        http.get(
            "/v2/runs", params={"product_version_id": version["id"]}, headers=bearer(other)
        ).status_code
        == 403
    )
    r = http.put(
        f"/v2/runs/{run_id}/product-version",
        json={"product_version_id": version["id"]},
        headers=bearer(other),
    )
    assert r.status_code == 403
    assert http.delete(f"/v2/runs/{run_id}", headers=bearer(owner)).status_code == 204


def test_openapi_docs(http: httpx.Client) -> None:
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert "/v2/runs" in paths and "/v2/runs/{run_id}/report" in paths
