"""Error pages keep what the user typed and lead back; uploading from the browser shows
real progress (XMLHttpRequest upload events) and lands on the report. Desktop and phone
width, axe-core on each page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from browser_helpers import axe_violations, horizontal_overflow, login, shot, wide_elements


@pytest.mark.parametrize("width", [1280, 375])
def test_bad_filter_says_what_was_asked_and_retries_without_it(  # type: ignore[no-untyped-def]
    new_page, shots: Path, width: int
) -> None:
    page = new_page(width=width)
    page.goto("/results")
    page.get_by_label("Verified").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"verified=yes"))
    # a hand-edited address with an unknown guideline (a shared link gone stale)
    response = page.goto(page.url + "&guideline=2099.99&page=99999")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert "Guideline not found: 2099.99" in page.locator(".error-message").inner_text()
    typed = page.locator("ul.typed li")
    assert [t.split(" · ")[0] for t in typed.all_inner_texts()] == [
        "verified = yes",
        "guideline = 2099.99",
        "page = 99999",
    ]
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    if width == 1280:
        shot(page, shots, "error-page-typed", full=False)
    # "try again without it" keeps the rest of what was asked for
    typed.filter(has_text="guideline = 2099.99").get_by_role("link").click()
    assert page.locator("h1").inner_text() == "Community results"
    assert page.get_by_label("Verified").input_value() == "yes"
    assert "page=99999" in page.url
    # back from an error page restores the form as it was typed
    page.goto("/results")
    page.get_by_label("Verified").select_option("no")
    page.get_by_label("From").fill("2021-03-04")
    page.get_by_label("To").fill("2021-01-01")  # before From: refused
    page.get_by_role("button", name="Filter").click()
    assert "The From date is after the To date" in page.locator(".error-message").inner_text()
    page.get_by_role("link", name="Back to where you were").click()
    page.wait_for_url(re.compile(r"/results$"))
    assert page.get_by_label("From").input_value() == "2021-03-04"
    assert page.get_by_label("To").input_value() == "2021-01-01"
    assert page.get_by_label("Verified").input_value() == "no"


def _object_stream(guidelines, big_reason: int) -> bytes:  # type: ignore[no-untyped-def]
    """Every 2020.06 object test passing, plus one other test failing with a long traceback
    (real Tempest streams carry megabytes of logs), so the upload takes several events."""
    from tests.subunit_streams import stream

    g = guidelines["2020.06"]
    ids = [t.name + (f"[id-{t.uuid}]" if t.uuid else "") for _, t in g.tests("object")]
    body = stream([(i, "success") for i in dict.fromkeys(ids)])
    big = [(f"tempest.api.extra.test_logs.LogTest.test_big_{i}", "fail") for i in range(3)]
    body += stream(big, reason="x" * big_reason)
    return body


@pytest.mark.parametrize("width", [1280, 375])
def test_upload_with_progress_lands_on_the_report(  # type: ignore[no-untyped-def]
    new_page, server, guidelines, tmp_path: Path, shots: Path, width: int
) -> None:
    name = "uploader-" + uuid.uuid4().hex[:6]
    server.user(name)
    run_file = tmp_path / "object.subunit"
    run_file.write_bytes(_object_stream(guidelines, 2 * 1024 * 1024))
    size = run_file.stat().st_size
    page = new_page(width=width)
    login(page, name)
    page.get_by_role("link", name="Upload", exact=True).click()
    assert axe_violations(page) == []
    seen: list[tuple[int, int]] = []
    page.expose_function("recordProgress", lambda loaded, total: seen.append((loaded, total)))
    page.evaluate(
        """() => document.getElementById("upload-form").addEventListener(
             "refcore:upload-progress", (e) => window.recordProgress(e.detail.loaded, e.detail.total))"""
    )
    page.get_by_label("Run file").set_input_files(str(run_file))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r"/results/[0-9a-f-]{36}$"))
    assert "Uploaded object.subunit." in page.locator(".flash").inner_text()
    assert page.locator("#run-counts").inner_text().startswith("61: 58 passed, 3 failed")
    # real progress: the events counted up to the whole body (the file and the form around it)
    assert seen, "no upload progress event"
    loaded = [lo for lo, _ in seen]
    assert loaded == sorted(loaded) and seen[-1][0] == seen[-1][1] > size
    assert len({t for _, t in seen}) == 1
    page.goto("/results/mine")
    assert page.locator("#runs tbody tr").count() == 1

    # a file that is not a run: the error shows beside the form, the file stays chosen
    page.goto("/results/upload")
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"\x00\x01 not a run at all")
    page.get_by_label("Run file").set_input_files(str(junk))
    page.get_by_role("button", name="Upload").click()
    error = page.locator("#upload-error")
    error.wait_for(state="visible")
    assert "The run was not stored" in error.inner_text()
    assert page.url.endswith("/results/upload")
    assert page.get_by_label("Run file").evaluate("(el) => el.files[0].name") == "notes.txt"
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert axe_violations(page) == []
    if width == 1280:
        shot(page, shots, "upload-error", full=False)
