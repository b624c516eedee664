"""RefStack v1 results over real HTTP against ``refcore serve``."""

from __future__ import annotations

import json
import uuid

import httpx
from api_signing import run_content


def upload(http: httpx.Client, content: dict, **headers: str) -> httpx.Response:
    return http.post(
        "/v1/results/",
        content=json.dumps(content),
        headers={"Content-type": "application/json", **headers},
    )


def test_unsigned_upload_then_list_and_detail(http: httpx.Client) -> None:
    content = run_content(5, cpid="cpid-" + uuid.uuid4().hex)
    r = upload(http, content)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"test_id", "url"}
    assert body["url"] == f"{http.base_url}/#/results/{body['test_id']}".replace("//#", "/#")

    listing = http.get("/v1/results/", params={"page": 1, "cpid": content["cpid"]}).json()
    assert listing["pagination"] == {"current_page": 1, "total_pages": 1}
    (item,) = listing["results"]
    assert item["id"] == body["test_id"]
    assert set(item) == {
        "id",
        "created_at",
        "duration_seconds",
        "verification_status",
        "meta",
        "product_version",
        "url",
    }
    assert "T" not in item["created_at"] and len(item["created_at"]) == 19
    assert item["meta"] == {} and item["product_version"] is None

    detail = http.get(f"/v1/results/{body['test_id']}").json()
    assert sorted(detail["results"]) == sorted(t["name"] for t in content["results"])
    assert detail["user_role"] == "user"
    assert "cpid" not in detail
    assert detail["duration_seconds"] == 42 and detail["verification_status"] == 0


def test_validation_order_and_messages(http: httpx.Client) -> None:
    def err(r: httpx.Response) -> tuple[int, str]:
        return r.status_code, r.json()["title"]

    bad = http.post(
        "/v1/results", content=b"{not json", headers={"Content-type": "application/json"}
    )
    assert err(bad) == (400, "Malformed request")
    assert bad.json() == {"title": "Malformed request", "code": 400}
    # nested past the JSON decoder's recursion limit: still malformed, not a 500
    deep = http.post(
        "/v1/results", content=b"[" * 100_000, headers={"Content-type": "application/json"}
    )
    assert deep.json() == {"title": "Malformed request", "code": 400}
    schema = upload(http, {"cpid": "x", "duration_seconds": 1, "results": [], "extra": 1})
    assert err(schema) == (400, "Request doesnt correspond to schema")
    wrong_type = upload(http, {"cpid": 1, "duration_seconds": 1, "results": [{"name": "a"}]})
    assert err(wrong_type) == (400, "Request doesnt correspond to schema")
    # schema before signature: a bad signature on a bad body reports the schema
    assert err(upload(http, {"cpid": "x"}, **{"X-Signature": "zz"}))[1] == (
        "Request doesnt correspond to schema"
    )
    empty = {"cpid": "x", "duration_seconds": 1, "results": []}
    assert err(upload(http, empty, **{"X-Signature": "zz", "X-Public-Key": "ssh-rsa AAAA"})) == (
        400,
        "Malformed signature",
    )
    assert err(upload(http, empty, **{"X-Signature": "abcd", "X-Public-Key": "ssh-rsa !!"})) == (
        400,
        "Malformed public key",
    )
    assert err(upload(http, empty)) == (
        400,
        "Uploaded results must contain at least one passing test.",
    )


def test_duplicate_names_are_deduplicated_or_refused(http: httpx.Client) -> None:
    cpid = "dup-" + uuid.uuid4().hex
    same = {"name": "tempest.a.B.test_c", "uuid": "0146f675-ffbd-4208-b3a4-60eb628dbc5e"}
    ok = upload(http, {"cpid": cpid, "duration_seconds": 1, "results": [same, same]})
    assert ok.status_code == 201
    assert http.get(f"/v1/results/{ok.json()['test_id']}").json()["results"] == [same["name"]]
    clash = {"name": same["name"], "uuid": "11111111-ffbd-4208-b3a4-60eb628dbc5e"}
    bad = upload(http, {"cpid": cpid, "duration_seconds": 1, "results": [same, clash]})
    assert bad.status_code == 400
    assert (
        bad.json()["title"]
        == f"Duplicate test name with different uuids in results: {same['name']}"
    )
    listing = http.get("/v1/results", params={"cpid": cpid}).json()
    assert len(listing["results"]) == 1  # nothing stored for the refused upload


def test_wrong_content_type_and_too_large(http: httpx.Client, live_server) -> None:  # type: ignore[no-untyped-def]
    r = http.post(
        "/v1/results/",
        content=b"cpid=1",
        headers={"Content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert r.json() == {
        "code": 415,
        "title": "Unsupported Media Type",
        "detail": "Unsupported content type application/x-www-form-urlencoded: send the results as application/json",
    }
    big = b"x" * (20 * 1024 * 1024 + 1)
    r = http.post("/v1/results/", content=big, headers={"Content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == 413 and "limit is 20971520 bytes" in r.json()["detail"]


def test_pagination_errors(http: httpx.Client) -> None:
    def title(params: dict) -> str:
        r = http.get("/v1/results", params=params)
        assert r.status_code == 400
        return r.json()["title"]

    assert title({"page": "x"}) == (
        "Invalid page number: The page number can not be converted to an integer"
    )
    assert title({"page": "0"}) == "Invalid page number: The page number less or equal zero."
    assert title({"page": "100000"}) == (
        "Invalid page number: The page number is greater than the total number of pages."
    )
    assert title({"start_date": "yesterday"}).startswith("Invalid date format: ")
    assert title({"start_date": "2020-01-02 00:00:00", "end_date": "2020-01-01 00:00:00"}) == (
        "Invalid dates: start_date more than end_date"
    )
    assert title({"signed": ""}) == "To see signed test results you need to authenticate"
    empty = http.get("/v1/results", params={"cpid": "no-such-" + uuid.uuid4().hex, "page": 1})
    assert empty.json() == {"results": [], "pagination": {"current_page": 1, "total_pages": 0}}


def test_pages_are_newest_first_twenty_per_page(http: httpx.Client) -> None:
    cpid = "pages-" + uuid.uuid4().hex
    ids = [upload(http, run_content(1, cpid=cpid)).json()["test_id"] for _ in range(23)]
    first = http.get("/v1/results/", params={"cpid": cpid, "page": 1}).json()
    second = http.get("/v1/results/", params={"cpid": cpid, "page": 2}).json()
    assert first["pagination"] == {"current_page": 1, "total_pages": 2}
    assert len(first["results"]) == 20 and len(second["results"]) == 3
    seen = [i["id"] for i in first["results"] + second["results"]]
    assert sorted(seen) == sorted(ids)
    assert seen == list(reversed(ids))  # created_at kept with microseconds: upload order


def test_unknown_result_is_404(http: httpx.Client) -> None:
    r = http.get("/v1/results/abc")
    assert r.status_code == 404
    assert r.json() == {"title": "Test result abc not found", "code": 404}


def test_anonymous_run_cannot_be_deleted_or_edited(http: httpx.Client) -> None:
    test_id = upload(http, run_content(2)).json()["test_id"]
    r = http.delete(f"/v1/results/{test_id}")
    assert r.status_code == 403
    assert r.json() == {"code": 403, "title": "Forbidden", "detail": "Forbidden"}
    assert http.post(f"/v1/results/{test_id}/meta/shared", content="true").status_code == 403
    assert http.get(f"/v1/results/{test_id}/meta").json() == {}
    assert http.get(f"/v1/results/{test_id}").status_code == 200


def test_results_schema_endpoint(http: httpx.Client) -> None:
    schema = http.get("/v1/results/schema").json()
    assert schema["required"] == ["cpid", "duration_seconds", "results"]
    assert schema["additionalProperties"] is False
