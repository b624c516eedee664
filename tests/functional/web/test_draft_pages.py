"""The draft pages (issue 19): check an uploaded draft (its diff, readiness, who stops meeting
it), and the Foundation publishes it from the same form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refcore.core import authoring
from refcore.core.drafting import draft_guideline
from refcore.core.worksheets import parse_worksheet


@pytest.fixture(scope="module")
def draft_json(guidelines: Any, interop_dir: Path) -> bytes:
    sheet = parse_worksheet((interop_dir / "working_materials" / "scoring.txt").read_text())
    doc = draft_guideline(guidelines["2020.06"], sheet.marks(), "2022.01").doc
    doc = authoring.set_status(
        doc, "objectstore-container-list", "advisory", reason="why not", date="2026-12-01"
    )
    return json.dumps(doc).encode()


def _check(visitor: Any, draft: bytes, listing: bytes | None = None, **form: str) -> Any:
    files: dict[str, Any] = {"draft_file": ("2022.01.json", draft, "application/json")}
    if listing is not None:
        files["tempest_list"] = ("tempest.txt", listing, "text/plain")
    return visitor.post(
        "/drafts/check", data={"csrf": visitor.csrf("/drafts"), **form}, files=files
    )


def test_anyone_checks_a_draft_and_nothing_is_stored(
    visit: Any, draft_json: bytes, samples_dir: Path
) -> None:
    v = visit()
    listing = (samples_dir / "tempest" / "tempest-47.0.0-list.txt").read_bytes()
    r = _check(v, draft_json, listing)
    assert r.status_code == 200, r.text
    assert "Draft 2022.01" in r.text and "not stored" in r.text
    assert "objectstore-container-list: required → advisory" in r.text
    assert "Required below the cut-off" in r.text and "images-v2-index" in r.text
    assert "not ready" in r.text
    assert "2022.01" not in v.get("/drafts").text.split("Check a draft")[0]
    # the form is refused without its CSRF token
    r = v.post("/drafts/check", files={"draft_file": ("d.json", draft_json, "application/json")})
    assert r.status_code == 403


def test_only_the_foundation_publishes(web: Any, visit: Any, draft_json: bytes) -> None:
    vendor_name, _ = web.user("vendor")
    v = visit()
    v.login(vendor_name)
    assert "Publish it for everyone" not in v.get("/drafts").text
    assert _check(v, draft_json, publish="true").status_code == 403
    name, _ = web.user("foundation", foundation=True)
    f = visit()
    f.login(name)
    r = _check(f, draft_json, publish="true")
    assert r.status_code == 303 and r.headers["location"] == "/drafts/2022.01"
    page = visit().get("/drafts/2022.01")
    assert page.status_code == 200 and "Draft 2022.01" in page.text
    assert "not stored" not in page.text
    assert '<a href="/drafts/2022.01">2022.01</a>' in visit().get("/drafts").text


def test_a_file_that_is_no_guideline_is_a_page_that_says_so(visit: Any) -> None:
    v = visit()
    r = _check(v, b"{not json", None)
    assert r.status_code == 400 and "The draft is not JSON" in r.text
    assert r.headers["content-type"].startswith("text/html")
