"""The server-drawn SVG charts say in words (their description) what they draw, and
draw the figures of the page's data."""

from __future__ import annotations

import re

from refcore.services import scoring


def test_score_distribution_against_the_cutoff(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    card = scoring.scorecard(g, "platform", {}, None)
    page = visit().get("/scoring/2020.06?target=platform").text
    svg = re.search(r'<svg class="chart" id="score-chart".*?</svg>', page, re.S).group(0)
    desc = re.search(r'<desc id="score-chart-desc">(.*?)</desc>', svg, re.S).group(1)
    bands = [tuple(map(int, m)) for m in re.findall(r"(\d+)-(\d+): (\d+)", desc)]
    scored = [r for r in card.rows if not r.after.incomplete]
    assert sum(n for _, _, n in bands) == len(scored) > 0
    for low, high, n in bands:
        assert n == sum(1 for r in scored if low <= max(r.after.total, 0) <= high)
        # no band straddles the cut-off
        assert high < card.cutoff or low >= card.cutoff
    assert f"Cut-off {card.cutoff}." in desc and f"cut-off {card.cutoff}</text>" in svg
    # a what-if cut-off moves the line and the bands
    other = visit().get("/scoring/2020.06?target=platform&cutoff=33").text
    assert "cut-off 33</text>" in other
    assert re.search(r"33-\d+: \d+", other)


def test_size_of_a_diff(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    from refcore.core.diff import diff_guidelines

    counts = diff_guidelines(guidelines["2017.09"], guidelines["2020.06"]).counts()
    page = visit().get("/guidelines/diff?from=2017.09&to=2020.06").text
    assert len([n for n in counts.values() if n]) == 9
    desc = re.search(r'<desc id="diff-chart-desc">(.*?)</desc>', page, re.S).group(1)
    drawn = {k: int(n) for k, n in re.findall(r"([a-z ]+): (\d+)", desc.replace("; ", ";"))}
    assert drawn == {k.replace("_", " "): n for k, n in counts.items() if n}
    # an identical pair draws nothing
    same = visit().get("/guidelines/diff?from=2020.06&to=2020.06").text
    assert 'id="diff-chart"' not in same
