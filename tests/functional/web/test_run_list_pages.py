"""The run lists as pages and downloads: the same rows in HTML, JSON and CSV."""

from __future__ import annotations

import csv
import io
import re

from test_result_pages import upload


def test_my_list_page_json_and_csv_agree(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    name, token = web.user("lister")
    owner = visit()
    full, cpid = upload(owner, guidelines, token=token)
    short, _ = upload(owner, guidelines, token=token, missing=2)
    owner.login(name)
    page = owner.get("/results/mine").text
    assert "2 runs, each evaluated against the guideline and target it claims" in page
    rows = re.findall(r'<tr data-run="([^"]+)">(.*?)</tr>', page, re.S)
    assert [r[0] for r in rows] == [short, full]
    assert "does not meet" in rows[0][1] and 'class="badge meets"' in rows[1][1]
    assert cpid in page  # the owner sees the cpid column
    report = owner.get(f"/results/{short}").text
    percent = re.search(r'id="nonflag-percent">([^<]+)<', report).group(1)
    assert f'class="pass-percent">{percent}<' in rows[0][1]

    data = owner.get("/results/mine?format=json")
    assert data.headers["content-type"] == "application/json"
    assert 'filename="my-results-page-1.json"' in data.headers["content-disposition"]
    doc = data.json()
    assert (doc["total"], doc["page"], doc["total_pages"]) == (2, 1, 1)
    assert [i["id"] for i in doc["items"]] == [short, full]
    assert [i["evaluation"]["meets"] for i in doc["items"]] == [False, True]
    assert f"{doc['items'][0]['evaluation']['pass_percent']:.1f}%" == percent

    table = list(csv.DictReader(io.StringIO(owner.get("/results/mine?format=csv").text)))
    assert [(r["id"], r["meets"], r["cpid"]) for r in table] == [
        (short, "no", table[0]["cpid"]),
        (full, "yes", cpid),
    ]
    # a page far past the end shows the last page and says so
    past = owner.get("/results/mine?page=99999").text
    assert "Page 99999 is past the end; this is the last page, 1." in past
    assert f'data-run="{full}"' in past
    # the chosen guideline and target: every row against it, links open the report on it
    chosen = owner.get("/results/mine?guideline=2020.06&target=object").text
    assert "each evaluated against 2020.06 object" in chosen
    assert f'href="/results/{full}?guideline=2020.06&amp;target=object"' in chosen
    # a target the claimed (here: default) guideline lacks: each row says what it shows
    other = owner.get("/results/mine?target=dns").text
    assert "Guideline 2020.06 has no target dns; showing platform." in other
    # an anonymous visitor does not see another's private runs, nor their cpids
    anonymous = visit().get("/results?format=json").json()
    assert full not in [i["id"] for i in anonymous["items"]]
    assert all("cpid" not in i for i in anonymous["items"])
