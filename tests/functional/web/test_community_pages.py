"""The votes and candidates pages (issue 14): a member with a role votes through the form;
without a role, or on an approved guideline, the page says why; candidates render."""

from __future__ import annotations

from typing import Any


def _role(web: Any, name: str, role: str) -> None:
    from refcore.services import accounts, community

    with web.db.read() as session:
        foundation = accounts.create_user(session, f"{name}-giver", foundation=True)
        community.set_role(session, accounts.actor_for(session, foundation), name, role)


def test_a_member_votes_through_the_page(web: Any, visit: Any) -> None:
    name, _ = web.user("voter")
    _role(web, name, "operator")
    v = visit()
    v.login(name)
    page = v.get("/scoring/next/votes")
    assert page.status_code == 200 and "(as operator)" in page.text
    r = v.submit(
        "/scoring/next/votes",
        {"capability": "compute-servers-create", "criterion": "clients", "value": "1"},
        page="/scoring/next/votes",
    )
    assert r.status_code == 303, r.text
    page = v.get("/scoring/next/votes")
    assert 'id="cap-compute-servers-create"' in page.text and "operator 1 / 0" in page.text
    # without the CSRF token nothing is recorded
    r = v.post("/scoring/next/votes", data={"capability": "compute-servers-create",
                                            "criterion": "tools", "value": "1"})  # fmt: skip
    assert r.status_code == 403


def test_who_cannot_vote_is_told_why(web: Any, visit: Any) -> None:
    assert "Log in" in visit().get("/scoring/next/votes").text
    name, _ = web.user("norole")
    v = visit()
    v.login(name)
    assert "no community role yet" in v.get("/scoring/next/votes").text
    assert "voting is closed" in visit().get("/scoring/2020.06/votes").text


def test_candidates_page_renders(visit: Any) -> None:
    r = visit().get("/scoring/2020.06/candidates")
    assert r.status_code == 200
    assert "Must-pass candidates after 2020.06" in r.text
    assert "fewer than 3 vendors" in r.text  # nothing verified in this database yet
