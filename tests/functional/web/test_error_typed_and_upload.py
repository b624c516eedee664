"""The error page repeats what a GET asked for, each value with a way to try again
without it; the upload form's script gets JSON (where the report is, or the error)."""

from __future__ import annotations

import html
import re

from web_client import CSRF


def test_error_page_repeats_the_query(visit) -> None:  # type: ignore[no-untyped-def]
    r = visit().get(
        "/results?guideline=&verified=maybe&start=2021-01-01&q=" + "x" * 300,
        headers={"Referer": "http://localhost/results?verified=no"},
    )
    assert r.status_code == 400
    typed = re.findall(
        r"<li><code>([^<]*)</code> = <code>([^<]*)</code> · <a href=\"([^\"]*)\"", r.text
    )
    names = [name for name, _, _ in typed]
    assert names == ["verified", "start", "q"]  # empty fields are not repeated
    assert typed[2][1] == "x" * 200 + "…"
    again = html.unescape(typed[0][2])
    assert again.startswith("/results?") and "verified" not in again and "start=2021-01-01" in again
    assert 'href="/results?verified=no" data-back>Back to where you were' in r.text
    # a POST repeats nothing (its form comes back with the browser's Back)
    assert "What you asked for" not in visit().post("/results/upload").text


def test_upload_answers_the_script_with_json(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    token = CSRF.search(v.get("/results/upload").text).group(1)
    names = "\n".join(t.name for _, t in guidelines["2020.06"].tests("object")).encode()
    ok = v.post(
        "/results/upload",
        data={"csrf": token},
        files={"run_file": ("passed.txt", names, "text/plain")},
        headers={"Accept": "application/json", "Origin": "http://localhost"},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["location"] == f"/results/{ok.json()['id']}"
    # the flash waits for the report page the script opens next
    assert "Uploaded passed.txt." in v.get(ok.json()["location"]).text
    bad = v.post(
        "/results/upload",
        data={"csrf": token},
        files={"run_file": ("empty.txt", b"", "text/plain")},
        headers={"Accept": "application/json", "Origin": "http://localhost"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "The file empty.txt is empty: choose a run file"
    # without the script: the form posts and is redirected to the report
    plain = v.post(
        "/results/upload",
        data={"csrf": token},
        files={"run_file": ("passed.txt", names, "text/plain")},
        headers={"Origin": "http://localhost"},
    )
    assert plain.status_code == 303 and plain.headers["location"].startswith("/results/")
