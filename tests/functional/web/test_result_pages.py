"""Result pages: the community list, my runs, the report, and who may do what.
Uploads go through the app's own v1 API, as refstack-client's would."""

from __future__ import annotations

import json
import re
import uuid

import pytest


def upload(visitor, guidelines, token: str | None = None, missing: int = 0) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Upload 2020.06's required platform tests minus ``missing`` non-flagged ones."""
    g = guidelines["2020.06"]
    names = []
    for cap, test in g.tests("platform"):
        if g.capability_statuses("platform").get(cap.name) == "required":
            names.append((test.name, test.uuid, test.flagged))
    skip = {n for n, _, f in names if not f}
    skip = set(sorted(skip)[:missing])
    cpid = "cpid-" + uuid.uuid4().hex
    body = {
        "cpid": cpid,
        "duration_seconds": 12,
        "results": [
            {"name": n, "uuid": u or ""} for n, u, _ in dict.fromkeys(names) if n not in skip
        ],
    }
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    r = visitor.post("/v1/results/", content=json.dumps(body), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["test_id"], cpid


def test_anonymous_upload_is_public_with_its_report(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    run_id, cpid = upload(v, guidelines)
    listing = v.get("/results").text
    assert f'href="/results/{run_id}"' in listing
    report = v.get(f"/results/{run_id}")
    assert report.status_code == 200
    assert "badge meets" in report.text and "meets 2020.06 platform" in report.text
    assert (
        'data-meets="yes"><a href="?guideline=2020.06&amp;target=platform" aria-current="true"'
        in report.text
    )
    assert cpid not in report.text  # never shown to non-owners
    assert "Manage this run" not in report.text


def test_signed_run_is_private_until_shared(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    name, token = web.user("owner")
    anonymous, owner, stranger = visit(), visit(), visit()
    run_id, cpid = upload(anonymous, guidelines, token=token, missing=2)
    assert f"/results/{run_id}" not in anonymous.get("/results").text
    denied = anonymous.get(f"/results/{run_id}")
    assert denied.status_code == 401 and "Please log in" in denied.text
    other, _ = web.user("stranger")
    stranger.login(other)
    assert stranger.get(f"/results/{run_id}").status_code == 401

    owner.login(name)
    assert f"/results/{run_id}" in owner.get("/results/mine").text
    page = owner.get(f"/results/{run_id}").text
    assert f'<code id="cpid">{cpid}</code>' in page
    assert "does not meet 2020.06 platform" in page
    counts = re.search(r'id="nonflag-counts">(\d+) of (\d+)<', page).groups()
    assert int(counts[1]) - int(counts[0]) == 2

    r = owner.submit(f"/results/{run_id}/share", {"shared": "true"}, page=f"/results/{run_id}")
    assert r.status_code == 303
    assert f"/results/{run_id}" in anonymous.get("/results").text
    shared = anonymous.get(f"/results/{run_id}").text
    assert cpid not in shared and "Manage this run" not in shared


def test_owner_actions_need_csrf_and_the_owner(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    name, token = web.user("owner")
    owner, stranger = visit(), visit()
    run_id, _ = upload(owner, guidelines, token=token)
    owner.login(name)
    forged = owner.post(f"/results/{run_id}/delete", data={"csrf": "nope"})
    assert forged.status_code == 403 and "reload the page" in forged.text
    other, _ = web.user("stranger")
    stranger.login(other)
    r = stranger.submit(f"/results/{run_id}/delete")
    assert r.status_code in (401, 403)
    assert owner.get(f"/results/{run_id}").status_code == 200
    assert owner.submit(f"/results/{run_id}/delete").status_code == 303
    assert owner.get(f"/results/{run_id}").status_code == 404


def test_verification_rules_on_the_page(web, visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    name, token = web.user("owner")
    admin, _ = web.user("foundation", foundation=True)
    owner, foundation = visit(), visit()
    run_id, _ = upload(owner, guidelines, token=token)
    owner.login(name)
    foundation.login(admin)
    assert "Foundation admin" in foundation.get("/").text
    too_early = foundation.submit(f"/results/{run_id}/verify", {"status": "1"}, page="/")
    assert too_early.status_code == 403
    assert "must be shared and have been associated to a guideline" in too_early.text
    page = f"/results/{run_id}"
    owner.submit(f"{page}/guideline", {"guideline": "2020.06", "target": "platform"}, page=page)
    owner.submit(f"{page}/share", {"shared": "true"}, page=page)
    assert foundation.submit(f"{page}/verify", {"status": "1"}, page="/").status_code == 303
    # a run three tests short of its claim is verified only with a recorded override
    short_id, _ = upload(owner, guidelines, token=token, missing=3)
    short = f"/results/{short_id}"
    owner.submit(f"{short}/guideline", {"guideline": "2020.06", "target": "platform"}, page=short)
    owner.submit(f"{short}/share", {"shared": "true"}, page=short)
    refused = foundation.submit(f"{short}/verify", {"status": "1"}, page="/")
    assert refused.status_code == 409 and "does not meet its claim" in refused.text
    why = {"status": "1", "override": "re-run witnessed by the Foundation"}
    assert foundation.submit(f"{short}/verify", why, page="/").status_code == 303
    verified = owner.get(page).text
    assert "badge verified" in verified and ">Delete<" not in verified
    frozen = owner.submit(f"{page}/delete", page=page)
    assert frozen.status_code == 403 and "verified" in frozen.text


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("?start=2999-01-01", 200, "0 runs, each evaluated"),
        ("?start=2020-01-02&end=2020-01-01", 400, "The From date is after the To date"),
        ("?start=yesterday", 400, "From date &#39;yesterday&#39; is not a date: use YYYY-MM-DD"),
        ("?page=0", 200, "Community results"),
        ("?page=abc", 400, "Page &#39;abc&#39; is not a page number"),
        ("?page=1" + "0" * 40, 400, "is not a page number"),
        ("?verified=maybe", 400, "Verified must be yes, no or empty"),
        ("?guideline=2099.01", 404, "Guideline not found: 2099.01"),
        ("?guideline=2020.06&target=nowhere", 400, "Invalid target: nowhere"),
        ("?claims=1", 400, "Choose the guideline the runs should claim"),
        ("?product=nope", 404, "Product &#39;nope&#39; not found"),
        ("?vendor=nope", 404, "Vendor &#39;nope&#39; not found"),
        ("?format=xml", 400, "Unknown format"),
    ],
)
def test_community_list_filters_and_errors(visit, query: str, status: int, text: str) -> None:  # type: ignore[no-untyped-def]
    r = visit().get("/results" + query)
    assert r.status_code == status
    assert text in r.text


def test_report_selectors_and_unknown_run(visit, guidelines) -> None:  # type: ignore[no-untyped-def]
    v = visit()
    run_id, _ = upload(v, guidelines)
    obj = v.get(f"/results/{run_id}?guideline=2020.06&target=object").text
    assert "meets 2020.06 object" in obj
    fallback = v.get(f"/results/{run_id}?guideline=dns.2020.06&target=platform").text
    assert "Guideline dns.2020.06 has no target platform; showing dns." in fallback
    assert v.get("/results/" + str(uuid.uuid4())).status_code == 404
    assert v.get(f"/results/{run_id}?guideline=1999.01").status_code == 404
