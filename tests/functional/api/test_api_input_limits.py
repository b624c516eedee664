"""Bad input is a 400 (or 413) before the database, with the same limits on SQLite and
PostgreSQL, and nothing is stored (issue 10, items 5 and 6). Each case is one of the
reproductions of the issue, sent over real HTTP to ``refcore serve``; after a refusal
the same connection still works (a 500 used to reset it)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from api_signing import run_content
from sqlalchemy import func, select

from refcore.storage.models import Organization, Run, RunMeta, TestName

JSON = {"Content-Type": "application/json"}
UPLOAD = '{"cpid": %s, "duration_seconds": %s, "results": [{"name": %s%s}]}'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(live_server) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    """Rows of every table a refused request could have written to."""
    with live_server.db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(t))
            for t in (Run, TestName, RunMeta, Organization)
        )


def upload_body(
    *, cpid: str = '"c"', duration: str = "1", name: str = '"t.a"', uuid_: str = ""
) -> bytes:
    extra = f', "uuid": {uuid_}' if uuid_ else ""
    return (UPLOAD % (cpid, duration, name, extra)).encode()


def refused(r: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


LONG = '"' + "x" * 129 + '"'
V1_UPLOADS = {
    # lone surrogates, NUL: refused by their escape in the body, whatever the field
    "surrogate in a test name": (upload_body(name='"t.\\ud800x"'), "lone surrogate"),
    "surrogate pair split": (upload_body(name='"t.\\udc00\\ud800"'), "lone surrogate"),
    "NUL in a test name": (upload_body(name='"t.\\u0000x"'), "NUL"),
    "NUL in the cpid": (upload_body(cpid='"a\\u0000b"'), "NUL"),
    # integers out of the column's range (32-bit on every database)
    "duration 2**63": (upload_body(duration=str(2**63)), "Request doesnt correspond to schema"),
    "duration 2**31": (upload_body(duration=str(2**31)), "Request doesnt correspond to schema"),
    "negative duration": (upload_body(duration="-1"), "Request doesnt correspond to schema"),
    # wider than the column (PostgreSQL's VARCHAR(n)); SQLite used to store them
    "cpid of 129": (upload_body(cpid=LONG), "Request doesnt correspond to schema"),
    "uuid of 37": (upload_body(uuid_='"' + "u" * 37 + '"'), "Request doesnt correspond to schema"),
    "name of 100k": (
        upload_body(name='"' + "n" * 100_000 + '"'),
        "Test names must be at most 512 characters: 1 are longer",
    ),
    # nested 50k levels inside a result item (msgspec's RecursionError)
    "nested 50k deep": (
        upload_body(name='"t", "x": ' + "[" * 50_000 + "]" * 50_000),
        "Malformed request",
    ),
}


@pytest.mark.parametrize("case", list(V1_UPLOADS))
def test_v1_upload_refused_before_the_database(http: httpx.Client, live_server, case: str) -> None:  # type: ignore[no-untyped-def]
    body, words = V1_UPLOADS[case]
    before = counts(live_server)
    r = http.post("/v1/results", content=body, headers=JSON)
    error = refused(r)
    assert set(error) == {"title", "code"} and error["code"] == 400  # RefStack's raised shape
    assert words in error["title"]
    assert counts(live_server) == before
    # the connection was not reset: the next request on it works
    assert http.get("/v1/results").status_code == 200


def test_the_limits_are_the_columns(http: httpx.Client, live_server) -> None:  # type: ignore[no-untyped-def]
    """At the limit is stored, one past it is not: the same on both databases."""
    at_limit = upload_body(
        cpid='"' + "c" * 128 + '"',
        duration=str(2**31 - 1),
        name='"' + "n" * 512 + '"',
        uuid_='"' + "u" * 36 + '"',
    )
    r = http.post("/v1/results", content=at_limit, headers=JSON)
    assert r.status_code == 201, r.text
    with live_server.db.read() as session:
        run = session.get(Run, r.json()["test_id"])
        assert run is not None and run.duration_seconds == 2**31 - 1 and len(run.cpid or "") == 128
    schema = http.get("/v1/results/schema").json()["properties"]
    assert schema["cpid"]["maxLength"] == 128
    assert schema["duration_seconds"]["maximum"] == 2**31 - 1


V2_RUNS = {
    "surrogate in a JSON run": (upload_body(name='"t.\\ud800x"'), {}, "lone surrogate"),
    "duration 1e300": (upload_body(duration="1e300"), {}, "duration_seconds is out of range"),
    "duration 1e10": (upload_body(duration="1e10"), {}, "duration_seconds is out of range"),
    "duration 2**63": (upload_body(duration=str(2**63)), {}, "duration_seconds is out of range"),
    "?duration_seconds= 40 digits": (
        upload_body(),
        {"duration_seconds": "9" * 40},
        "duration_seconds",
    ),
    "?cpid= of 129": (upload_body(), {"cpid": "c" * 129}, "cpid"),
    "NUL in a subunit v1 test name": (
        b"test: t.a\nsuccess: t.a\ntest: t.\x00b\nsuccess: t.\x00b\n",
        {},
        "test name contains a NUL character",
    ),
    "nested 50k deep": (b'{"results": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", {}, "deeper"),
}


@pytest.mark.parametrize("case", list(V2_RUNS))
def test_v2_run_upload_refused_before_the_database(
    http: httpx.Client, live_server, case: str
) -> None:  # type: ignore[no-untyped-def]
    body, params, words = V2_RUNS[case]
    before = counts(live_server)
    r = http.post("/v2/runs", content=body, params=params)
    error = refused(r)
    assert error["ok"] is False and error["status"] == 400
    assert words in error["error"] + " ".join(error["errors"]), error
    assert counts(live_server) == before
    assert http.get("/v2/runs").status_code == 200


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/v1/results?page=4611686018427387904", "Invalid page number"),
        ("/v1/results?page=" + "9" * 5000, "Invalid page number"),
        ("/v1/results?verification_status=" + "9" * 40, "Invalid verification_status value"),
        ("/v1/results?verification_status=2147483648", "Invalid verification_status value"),
        ("/v1/results?cpid=a%00b", "NUL"),
        ("/v1/results/a%00b", "NUL"),
        ("/v2/runs?page=4611686018427387904", "page"),
        ("/v2/runs?cpid=%00", "NUL"),
    ],
)
def test_query_and_path_parameters(http: httpx.Client, url: str, words: str) -> None:
    error = refused(http.get(url))
    assert words in json.dumps(error), error


def test_a_page_past_the_end_is_empty_not_an_error(http: httpx.Client) -> None:
    r = http.get("/v2/runs", params={"page": 2**31 - 1})
    assert r.status_code == 200 and r.json()["items"] == []


def test_other_json_bodies(http: httpx.Client, live_server) -> None:  # type: ignore[no-untyped-def]
    token = live_server.user(f"limits-{uuid.uuid4().hex[:8]}")
    auth = {**JSON, **bearer(token)}
    before = counts(live_server)
    cases = [
        ("/v1/vendors", b'{"name": "a\\ud800"}', "lone surrogate"),
        ("/v1/vendors", b'{"name": "a\\u0000"}', "NUL"),
        ("/v1/vendors", json.dumps({"name": "n" * 81}).encode(), "name is longer than 80"),
        ("/v2/usage", b'{"kind": "client", "name": "a\\ud800"}', "lone surrogate"),
        ("/v2/verdicts", b'{"profile": "\\ud800", "guideline": "\\udfff"}', "lone surrogate"),
        # a body FastAPI parses for its model is parsed before any route dependency: its
        # parser's RecursionError is its own 400
        ("/v2/verdicts", b"[" * 100_000, "error parsing the body"),
        # brackets inside strings do not count; nesting does (RefStack's words on v1)
        (
            "/v1/profile/pubkeys",
            b'{"raw_key": "' + b"[" * 100 + b'", "x": ' + b"[" * 65,
            "Malformed",
        ),
        ("/v2/usage", b'{"kind": "client", "x": ' + b"[" * 65 + b"]" * 65 + b"}", "deeper"),
    ]
    for url, body, words in cases:
        error = refused(http.post(url, content=body, headers=auth))
        assert words in json.dumps(error), (url, error)
        # the error renderer never crashes echoing what was sent
        assert "\\ud800" not in json.dumps(error)
    assert counts(live_server) == before
    # a vendor name at the column's width is fine
    ok = http.post("/v1/vendors", json={"name": "n" * 80}, headers=bearer(token))
    assert ok.status_code == 201, ok.text


@pytest.fixture
def my_run(http: httpx.Client, live_server) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    token = live_server.user(f"meta-{uuid.uuid4().hex[:8]}")
    r = http.post("/v2/runs", json=run_content(2), headers=bearer(token))
    assert r.status_code == 201, r.text
    return f"/v1/results/{r.json()['id']}/meta", bearer(token)


def test_meta_values_are_known_guidelines_targets_and_a_flag(
    http: httpx.Client, live_server, my_run: tuple[str, dict[str, str]]
) -> None:  # type: ignore[no-untyped-def]
    url, auth = my_run
    # the 5 MB value: over the body cap of a JSON/meta route, refused before it is read
    big = http.post(f"{url}/guideline", content=b"x" * 5_000_000, headers=auth)
    assert big.status_code == 413 and "too large" in big.text
    for key, value, words in [
        ("guideline", b"x" * 300, "longer than 255"),
        ("guideline", b"2099.01", "not a known guideline"),
        ("guideline", b"2020.06\x00", "NUL"),
        ("target", b"junk", "not one of"),
        ("shared", b"false", "delete the key"),
    ]:
        error = refused(http.post(f"{url}/{key}", content=value, headers=auth))
        assert words in error["title"], (key, error)
    assert set(http.get(url, headers=auth).json()) == {"user"}  # nothing was stored
    # what the RefStack UI sends is kept
    assert http.post(f"{url}/guideline", content=b"2020.06.json", headers=auth).status_code == 201
    wrong = refused(http.post(f"{url}/target", content=b"dns", headers=auth))
    assert "platform, compute, object" in wrong["title"]  # the targets of 2020.06
    assert http.post(f"{url}/target", content=b"platform", headers=auth).status_code == 201
    assert http.post(f"{url}/shared", content=b"true", headers=auth).status_code == 201
    meta = http.get(url, headers=auth).json()
    assert {k: meta[k] for k in ("guideline", "target", "shared")} == {
        "guideline": "2020.06.json",
        "target": "platform",
        "shared": "true",
    }
    # add-on guidelines and their targets
    assert http.post(f"{url}/guideline", content=b"dns.2020.06", headers=auth).status_code == 201
    assert http.post(f"{url}/target", content=b"dns", headers=auth).status_code == 201
