"""Issue 14 in the browser: a member the Foundation gave a role votes on a capability of
the guideline being drafted, sees the result and changes their vote; the candidate report
renders; both at desktop and phone width without sideways scrolling."""

from __future__ import annotations

import uuid

import httpx
import pytest
from browser_helpers import horizontal_overflow, login, shot, unlabelled_fields, wide_elements

CAPABILITY = "compute-servers-create"


@pytest.fixture(scope="module")
def voter(server) -> str:  # type: ignore[no-untyped-def]
    name = "voter-" + uuid.uuid4().hex[:6]
    server.user(name)
    foundation = server.user("staff-" + uuid.uuid4().hex[:6], foundation=True)
    r = httpx.put(
        f"{server.url}/v2/community/roles/{name}",
        json={"role": "operator"},
        headers={"Authorization": f"Bearer {foundation}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return name


@pytest.mark.parametrize("width", [1280, 375])
def test_a_member_votes_and_changes_the_vote(new_page, voter, shots, width) -> None:  # type: ignore[no-untyped-def]
    page = new_page(width=width)
    page.goto("/scoring/next/votes")
    assert "to vote (anonymous voting is not offered)" in page.locator("main").inner_text()
    assert page.locator("form select#capability").count() == 0
    login(page, voter)
    page.goto("/scoring/next/votes")
    assert "(as operator)" in page.locator("main").inner_text()
    assert unlabelled_fields(page) == []
    criterion = "clients" if width == 1280 else "tools"
    page.get_by_label("Capability").select_option(CAPABILITY)
    page.get_by_label("Criterion").select_option(criterion)
    page.get_by_label("Yes").check()
    page.get_by_label("Comment (optional)").fill("Every SDK we ship calls it.")
    page.get_by_role("button", name="Vote").click()
    page.wait_for_url("**/scoring/next/votes**")
    row = page.locator(f"tr#cap-{CAPABILITY}", has_text=criterion)
    assert "operator 1 / 0" in row.inner_text() and row.locator("td").last.inner_text() == "yes"
    # change of mind: the same item, now "No"; still one vote
    page.get_by_label("Capability").select_option(CAPABILITY)
    page.get_by_label("Criterion").select_option(criterion)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Vote").click()
    page.wait_for_url("**/scoring/next/votes**")
    row = page.locator(f"tr#cap-{CAPABILITY}", has_text=criterion)
    assert "operator 0 / 1" in row.inner_text() and row.locator("td").last.inner_text() == "no"
    assert horizontal_overflow(page) == 0, wide_elements(page)
    shot(page, shots, f"votes-{width}")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_candidate_report_renders(new_page, shots, width) -> None:  # type: ignore[no-untyped-def]
    page = new_page(width=width)
    response = page.goto("/scoring/2020.06/candidates")
    assert response is not None and response.status == 200
    text = page.locator("main").inner_text()
    assert "Must-pass candidates after 2020.06" in text
    assert horizontal_overflow(page) == 0, wide_elements(page)
    shot(page, shots, f"candidates-{width}")
