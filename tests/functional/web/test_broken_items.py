"""Issue 16, broken items 5-7 through the pages, as a vendor meets them."""

from __future__ import annotations

import base64
import re
import uuid


def _run(v, token: str) -> str:  # type: ignore[no-untyped-def]
    body = '{"cpid": "c1", "duration_seconds": 1, "results": [{"name": "tempest.a.b"}]}'
    r = v.post(
        "/v1/results",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["test_id"])


def test_claim_form_offers_the_claimed_guidelines_targets(web, visit) -> None:  # type: ignore[no-untyped-def]
    """Item 5: claiming dns.2020.06 offers dns, never compute; a wrong pair is a 400
    page that links back to the run."""
    name, token = web.user("claimer")
    owner = visit()
    owner.login(name)
    run = _run(owner, token)
    page = owner.get(f"/results/{run}?guideline=2020.06&target=platform").text
    options = re.findall(r'<select id="set-claim" name="claim">(.*?)</select>', page, re.S)[0]
    assert '<option value="dns.2020.06 dns">' in options
    assert "dns.2020.06 compute" not in options and "dns.2020.06 platform" not in options
    done = owner.submit(
        f"/results/{run}/guideline", {"claim": "dns.2020.06 dns"}, page=f"/results/{run}"
    )
    assert done.status_code == 303
    report = owner.get(f"/results/{run}").text
    assert "dns.2020.06 dns" in report and "Does not meet dns.2020.06 dns" in report
    wrong = owner.post(
        f"/results/{run}/guideline",
        data={"csrf": owner.csrf(f"/results/{run}"), "claim": "dns.2020.06 compute"},
        headers={"Referer": f"http://localhost/results/{run}"},
    )
    assert wrong.status_code == 400 and f'href="/results/{run}"' in wrong.text


def test_a_vendor_keeps_an_admin(web, visit) -> None:  # type: ignore[no-untyped-def]
    """Item 6: the only admin cannot remove themselves (no button, and a 409 if forced);
    with two admins, removal asks first and the one who left lands on their vendors."""
    name, _ = web.user("solo")
    other, _ = web.user("second")
    owner = visit()
    owner.login(name)
    r = owner.submit("/vendors", {"name": "V " + uuid.uuid4().hex[:6]}, page="/vendors")
    url = r.headers["location"]
    page = owner.get(url).text
    assert 'id="only-admin"' in page and "/users/remove" not in page
    key = base64.urlsafe_b64encode(name.encode()).decode()
    forced = owner.submit(url + "/users/remove", {"key": key}, page=url)
    assert forced.status_code == 409 and "must keep an admin" in forced.text
    assert name in owner.get(url).text
    owner.submit(url + "/users", {"openid": other}, page=url)
    page = owner.get(url).text
    assert page.count("/users/remove") == 2 and 'data-confirm="Remove ' in page
    left = owner.submit(url + "/users/remove", {"key": key}, page=url)
    assert left.status_code == 303 and left.headers["location"] == "/vendors/mine"


def test_make_public_only_for_official_vendors(web, visit) -> None:  # type: ignore[no-untyped-def]
    """Item 7: a private vendor's product shows why it stays private, no button."""
    name, _ = web.user("maker")
    owner = visit()
    owner.login(name)
    r = owner.submit(
        "/products", {"name": "Cloud P", "product_type": "1", "version": "1.0"}, page="/products"
    )
    page = owner.get(r.headers["location"]).text
    assert "Make public" not in page
    assert 'id="public-hint"' in page and "only products of official vendors can be public" in page
    assert re.search(r"</a> is private\)", page)  # the vendor's kind in words, not its code
