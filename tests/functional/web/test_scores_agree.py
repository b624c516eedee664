"""One score per capability: the guideline matrix page, the scorecard page and
``GET /v2/scoring/{id}`` agree for every capability of every real guideline.

The guideline file's ``admin: true`` is not the worksheet's Non-Admin veto
(services.scoring.recorded_marks): networks-l3-CRUD and networks-l3-router are
admin and required in 2018.11 and 2019.11, and the working group's worksheet scores
them 91 with a star. They used to read 91 from the API and 0 on the pages.
"""

from __future__ import annotations

import html
import re

import pytest

MATRIX_ROW = re.compile(
    r'<th scope="row"><a href="#cap-[^"]+">([^<]+)</a>.*?<td class="num score[^"]*">\s*(-?\d+)',
    re.S,
)
CARD_ROW = re.compile(
    r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>.*?<td class="num score[^"]*">(-?\d+)',
    re.S,
)


def _page_scores(text: str, pattern: re.Pattern[str]) -> dict[str, int]:
    rows = re.split(r"<tr\b", text)
    found: dict[str, int] = {}
    for row in rows:
        m = pattern.search(row)
        if m:
            found[html.unescape(m.group(1)).strip()] = int(m.group(2))
    return found


def test_pages_and_api_give_every_capability_the_same_score(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    compared = 0
    scored = [g for g in guidelines.values() if g.criteria]
    assert len(scored) > 20
    for g in scored:
        api = v.get(f"/v2/scoring/{g.id}")
        if api.status_code != 200:  # no usable criteria: no score anywhere
            assert api.status_code == 422, (g.id, api.text)
            continue
        totals = {c["capability"]: c["total"] for c in api.json()["capabilities"]}
        matrix = v.get(f"/guidelines/{g.id}")
        assert matrix.status_code == 200, g.id
        on_matrix = _page_scores(matrix.text, MATRIX_ROW)
        assert on_matrix, g.id
        for name, total in on_matrix.items():
            assert totals[name] == total, (g.id, name, "matrix", total, totals[name])
        for target in g.targets:
            card = v.get(f"/scoring/{g.id}", params={"target": target})
            assert card.status_code == 200, (g.id, target)
            on_card = _page_scores(card.text, CARD_ROW)
            assert on_card or not g.capability_statuses(target), (g.id, target)
            for name, total in on_card.items():
                assert totals[name] == total, (g.id, target, name, "scorecard", total)
                compared += 1
    assert compared > 1000


@pytest.mark.parametrize("gid", ["2018.11", "2019.11"])
def test_admin_capabilities_reach_the_cutoff_everywhere(visit, guidelines, gid: str) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    g = guidelines[gid]
    api = {c["capability"]: c for c in v.get(f"/v2/scoring/{gid}").json()["capabilities"]}
    matrix = _page_scores(v.get(f"/guidelines/{gid}").text, MATRIX_ROW)
    card = _page_scores(v.get(f"/scoring/{gid}?target=platform").text, CARD_ROW)
    for name in ("networks-l3-CRUD", "networks-l3-router"):
        assert g.capabilities[name].admin
        assert api[name]["total"] == 91 and api[name]["star"]
        assert matrix[name] == 91 and card[name] == 91
