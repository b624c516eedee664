"""A draft guideline goes everywhere a guideline goes on the server too (issue 19): the diff and
what-if endpoints take an uploaded draft, the Foundation publishes drafts, and published drafts
are accepted wherever a guideline id is. Real guideline data, real HTTP, both databases."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from refcore.core import authoring
from refcore.core.drafting import draft_guideline
from refcore.core.worksheets import parse_worksheet


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def draft_doc(guidelines: Any, interop_dir: Path) -> dict[str, Any]:
    """2021.01 from 2020.06 and the real worksheet, with identity-v3-tokens-validate moved to
    advisory (so runs meeting 2020.06's object program keep meeting it) and one test flagged."""
    sheet = parse_worksheet((interop_dir / "working_materials" / "scoring.txt").read_text())
    doc = draft_guideline(guidelines["2020.06"], sheet.marks(), "2021.01").doc
    doc = authoring.set_status(
        doc, "objectstore-container-list", "advisory", reason="test", date="2026-12-01"
    )
    return doc


def test_diff_of_an_uploaded_draft(http: httpx.Client, draft_doc: dict[str, Any]) -> None:
    r = http.post("/v2/guidelines/2020.06/diff", json=draft_doc)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["from"] == "2020.06" and body["to"] == "2021.01"
    moved = {(c["target"], c["capability"], c["from"], c["to"]) for c in body["status_changes"]}
    assert ("object", "objectstore-container-list", "required", "advisory") in moved
    assert body["metadata"]["releases"]["to"] == ["train", "ussuri", "victoria", "wallaby"]


def test_what_if_of_an_uploaded_draft_names_who_stops_meeting_it(
    live_server: Any, http: httpx.Client, samples_dir: Path, draft_doc: dict[str, Any]
) -> None:
    foundation = live_server.user(f"fnd-{uuid.uuid4().hex[:6]}", foundation=True)
    data = (samples_dir / "refstack-client" / "identity-2020.06.subunit").read_bytes()
    cpid = uuid.uuid4().hex
    r = http.post("/v2/runs", params={"cpid": cpid}, content=data, headers=bearer(foundation))
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    r = http.post(
        "/v2/whatif",
        params={"from": "2020.06", "target": "platform", "by": "cloud"},
        json=draft_doc,
        headers=bearer(foundation),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["b"] == "2021.01"
    row = next(x for x in body["runs"] if x["run_id"] == run_id)
    assert row["meets_a"] is False and row["meets_b"] is False  # an identity-only run
    assert row["missing_b"], "what it would miss is named"


def test_publishing_is_the_foundations_and_drafts_then_work_everywhere(
    live_server: Any, http: httpx.Client, draft_doc: dict[str, Any]
) -> None:
    vendor = live_server.user(f"v-{uuid.uuid4().hex[:6]}")
    foundation = live_server.user(f"f-{uuid.uuid4().hex[:6]}", foundation=True)
    assert http.post("/v2/drafts", json=draft_doc).status_code == 401
    assert http.post("/v2/drafts", json=draft_doc, headers=bearer(vendor)).status_code == 403
    r = http.post("/v2/drafts", json=draft_doc, headers=bearer(foundation))
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "2021.01" and r.json()["replaces"] == "2020.06"
    assert [d["id"] for d in http.get("/v2/drafts").json()] == ["2021.01"]
    assert http.get("/v2/drafts/2021.01").json()["metadata"]["id"] == "2021.01"
    # accepted wherever a guideline id is
    r = http.get("/v2/guidelines/2020.06/diff/2021.01")
    assert r.status_code == 200 and r.json()["to"] == "2021.01"
    r = http.get("/v2/whatif", params={"from": "2020.06", "to": "2021.01", "target": "object"})
    assert r.status_code == 200, r.text
    # a draft cannot take the id of a guideline of the source
    clash = {**draft_doc, "metadata": {**draft_doc["metadata"], "id": "2020.06"}}
    r = http.post("/v2/drafts", json=clash, headers=bearer(foundation))
    assert r.status_code == 409
    # withdrawn: gone everywhere
    assert http.delete("/v2/drafts/2021.01", headers=bearer(vendor)).status_code == 403
    assert http.delete("/v2/drafts/2021.01", headers=bearer(foundation)).status_code == 204
    assert http.get("/v2/guidelines/2020.06/diff/2021.01").status_code == 404


def test_check_gives_readiness_against_a_tempest_listing(
    http: httpx.Client, draft_doc: dict[str, Any], samples_dir: Path
) -> None:
    listing = (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_text()
    r = http.post("/v2/drafts/check", json={"draft": draft_doc, "tempest_list": listing})
    assert r.status_code == 200, r.text
    ready = r.json()["readiness"]
    assert ready["tests"] > 250
    assert ready["missing"] == []  # the only test Tempest 47 lacks is flagged
    assert [m["capability"] for m in ready["missing_flagged"]] == [
        "volumes-v3-snapshot-create-delete"
    ]
    assert {"images-v2-index"} <= {b["capability"] for b in ready["below_cutoff"]}
    assert ready["ready"] is False


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"metadata": {"id": "../etc"}}, "needs metadata.id"),
        ([1, 2], "valid dictionary"),
        ({"metadata": {"id": "2021.01", "schema": "2.0"}, "capabilities": 3}, "not a usable"),
    ],
)
def test_a_bad_draft_is_a_400_that_says_why(http: httpx.Client, body: Any, words: str) -> None:
    r = http.post("/v2/guidelines/2020.06/diff", json=body)
    assert r.status_code == 400, r.text
    assert words in (r.json()["error"] + " ".join(r.json()["errors"]))
