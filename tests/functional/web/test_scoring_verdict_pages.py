"""The scorecard (what-if weights and cut-off) and the verdict form, on real data."""

from __future__ import annotations

import re
from pathlib import Path

from refcore.core.scoring import Marks, Scoring
from refcore.errors import ProfileError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "advisory-cases"


def reaching(g, weights=None, cutoff=None, target="platform") -> int:  # type: ignore[no-untyped-def]
    base = Scoring.from_guideline(g)
    scoring = Scoring.explicit(weights, cutoff) if weights is not None else base
    statuses = g.capability_statuses(target)
    return sum(
        scoring.score(Marks.from_achievements(c.achievements)).star
        for name, c in g.capabilities.items()
        if name in statuses
    )


def test_scorecard_with_the_guideline_weights(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    page = visit().get("/scoring/2020.06").text
    assert int(re.search(r'id="reach-after">(\d+)<', page).group(1)) == reaching(g)
    assert "Reset to" not in page
    assert 'href="/scoring/2020.06"' in visit().get("/scoring").text


def test_what_if_cutoff_moves_capabilities(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    g = guidelines["2020.06"]
    weights = {k: c.weight for k, c in g.criteria.items()}
    page = visit().get("/scoring/2020.06?cutoff=90").text
    after = reaching(g, weights, 90)
    assert int(re.search(r'id="reach-after">(\d+)<', page).group(1)) == after
    assert after < reaching(g)
    assert "no longer reaches the cut-off" in page
    weights["deployed"] = 0
    zeroed = visit().get("/scoring/2020.06?w_deployed=0").text
    assert int(re.search(r'id="reach-after">(\d+)<', zeroed).group(1)) == reaching(
        g, weights, g.cutoff_score
    )


def test_scorecard_rejects_bad_numbers(visit) -> None:  # type: ignore[no-untyped-def]
    bad = visit().get("/scoring/2020.06?w_deployed=lots")
    assert bad.status_code == 400 and "w_deployed: &#39;lots&#39; is not a whole number" in bad.text


def test_verdict_from_a_pasted_profile_and_a_run_file(visit) -> None:  # type: ignore[no-untyped-def]
    profile = (EXAMPLES / "bananacloud.yaml").read_text()
    evidence = (EXAMPLES / "evidence" / "bananacloud.passed").read_bytes()
    v = visit()
    page = v.post(
        "/verdicts",
        data={"profile": profile, "guideline": "havana", "policy": "approved-text"},
        files={"run_file": ("bananacloud.passed", evidence, "text/plain")},
    )
    assert page.status_code == 200, page.text[-500:]
    assert "BananaCloud OpenStack IaaS" in page.text
    assert re.search(r'id="outcome">(allowed|refused|not applicable)<', page.text)
    assert "Evidence: the uploaded file bananacloud.passed" in page.text
    broken = v.post("/verdicts", data={"profile": "vendor: [unclosed", "guideline": "havana"})
    assert broken.status_code == ProfileError.status and "not YAML or JSON" in broken.text
    bomb = "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n" + "\n".join(
        f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, 6)
    )
    refused = v.post("/verdicts", data={"profile": bomb + "\nvendor: *x5", "guideline": "havana"})
    assert refused.status_code == ProfileError.status
    assert "aliases (*name) are not accepted" in refused.text
