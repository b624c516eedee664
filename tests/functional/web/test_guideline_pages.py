"""Guideline pages against the real guideline files: figures on the page come from the data."""

from __future__ import annotations

import re

from markupsafe import escape as html_escape

from refcore.core.scoring import CRITERIA_KEYS, CRITERIA_NAMES


def test_list_groups_by_program_and_links_every_guideline(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    page = visit().get("/guidelines")
    assert page.status_code == 200
    for heading in ("OpenStack Powered", "Add-on programs", "Legacy"):
        assert f"<h2>{heading}" in page.text
    assert "<h3>Dns</h3>" in page.text and "<h3>Orchestration</h3>" in page.text
    for gid in guidelines:
        assert f'href="/guidelines/{gid}"' in page.text


def test_matrix_rows_columns_and_scores(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    html = visit().get("/guidelines/2020.06?target=platform").text
    # one column per criterion the guideline defines, named, with its weight in the title
    for key in CRITERIA_KEYS:
        title = str(html_escape(f"{CRITERIA_NAMES[key]} (weight {g.criteria[key].weight})"))
        assert f'title="{title}"' in html
    assert html.count('class="crit"') == len(g.criteria) * 2  # two component tables
    # a capability row: its achievements marked, its total = sum of achieved weights
    cap = g.capabilities["compute-list-api-versions"]
    total = sum(g.criteria[a].weight for a in cap.achievements)
    row = re.search(r'<a href="#cap-compute-list-api-versions">.*?</tr>', html, re.S).group(0)
    assert row.count('aria-label="achieved"') == len(cap.achievements)
    assert re.search(r'class="num score[^"]*">\s*(\d+)', row).group(1) == str(total)
    assert ("reaches the cut-off" in row) == (total >= g.cutoff_score)
    assert f"Cut-off score</dt><dd>{g.cutoff_score} of {g.total_weight}" in html


def test_matrix_marks_flags_aliases_and_status_filter(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    html = visit().get("/guidelines/2020.06").text
    flagged = [t for _, t in g.tests("platform") if t.flagged]
    assert flagged, "2020.06 has flagged tests"
    assert flagged[0].flag.reason in html.replace("&#39;", "'").replace("&#34;", '"')
    aliased = [t for _, t in g.tests() if t.aliases]
    if aliased:
        assert aliased[0].aliases[0] in html
    only_advisory = visit().get("/guidelines/havana?status=advisory").text
    assert 'class="st-required"' not in only_advisory
    assert 'class="st-advisory"' in only_advisory


def test_test_list_page_and_download_match_the_guideline(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    v = visit()
    expected = g.test_list("object", ["required"], alias=True, flag=False)
    page = v.get("/guidelines/2020.06/tests?target=object&type=required")
    assert f'<strong id="count">{len(expected)}</strong>' in page.text
    download = v.get(
        "/guidelines/2020.06/tests.txt?target=object&type=required&alias=true&flag=false"
    )
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text.splitlines() == expected


def test_sections_and_diff(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    sections = v.get("/guidelines/2020.06/sections").text
    for group in guidelines["2020.06"].designated_sections:
        assert f'id="p-{group.project}"' in sections
    diff = v.get("/guidelines/diff?from=2019.11&to=2020.06")
    assert diff.status_code == 200
    assert "Changes from 2019.11 to 2020.06" in diff.text
    default = v.get("/guidelines/diff").text  # the latest approved against the one before
    latest = guidelines.latest_approved()
    assert f"to {latest.id}</h1>" in default


def test_unknown_guideline_and_target_are_html_errors(visit) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    missing = v.get("/guidelines/1999.01")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "Guideline not found: 1999.01" in missing.text
    bad = v.get("/guidelines/2020.06?target=nowhere")
    assert bad.status_code == 404 or bad.status_code == 400
    assert "Invalid target: nowhere" in bad.text
