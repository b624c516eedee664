"""The capability history page: a capability's status, score and tests in every guideline."""

from __future__ import annotations

import re


def test_history_of_a_capability_across_every_guideline(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    name = "networks-l3-router"
    defining = [
        g
        for g in guidelines.values()
        if g.kind in ("powered", "add-on", "vertical") and name in g.capabilities
    ]
    assert len(defining) >= 8
    page = v.get(f"/capabilities/{name}")
    assert page.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="/guidelines/([^"?]+)\?target=all#cap-', page.text)
    assert rows == [g.id for g in defining]
    assert f"{len(defining)} guidelines define it" in page.text
    api = {c["capability"]: c for c in v.get("/v2/scoring/2019.11").json()["capabilities"]}
    row = re.search(r"2019\.11</a>.*?</tr>", page.text, re.S).group(0)
    assert f'<td class="num">{api[name]["total"]}' in row and "required" in row
    tests = {t.name for g in defining for t in g.capabilities[name].tests}
    assert len(re.findall(r'<tr><th scope="row"><code>', page.text)) == len(tests)
    # the matrix links there, and an unknown capability is a 404 page
    assert f'href="/capabilities/{name}"' in v.get("/guidelines/2019.11").text
    missing = v.get("/capabilities/no-such-capability", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no-such-capability" in missing.text
