"""Community feedback (issue 14): votes by role on a guideline being drafted, weighted as the
working group sets, shown beside the computed marks and never changing them; every step in
the trail. Real HTTP, both databases."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

CAP = "compute-servers-create"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_votes_by_role_weighted_and_beside_the_marks(live_server: Any, http: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:6]
    foundation = live_server.user(f"f-{tag}", foundation=True)
    names = {r: f"{r}-{tag}" for r in ("op", "vend", "wg", "none")}
    tokens = {r: live_server.user(n) for r, n in names.items()}
    url = f"/v2/votes/next/{CAP}/clients"

    # roles are the Foundation's to give, never self-declared
    r = http.put(
        f"/v2/community/roles/{names['op']}",
        json={"role": "operator"},
        headers=bearer(tokens["op"]),
    )
    assert r.status_code == 403
    for role, key in (("operator", "op"), ("vendor", "vend"), ("interop-wg", "wg")):
        r = http.put(
            f"/v2/community/roles/{names[key]}", json={"role": role}, headers=bearer(foundation)
        )
        assert r.status_code == 200, r.text
    assert (
        http.put(
            f"/v2/community/roles/{names['op']}", json={"role": "king"}, headers=bearer(foundation)
        ).status_code
        == 400
    )

    # who may vote, and on what
    assert http.put(url, json={"value": 1}).status_code == 401
    assert http.put(url, json={"value": 1}, headers=bearer(tokens["none"])).status_code == 403
    closed = http.put(
        f"/v2/votes/2020.06/{CAP}/clients", json={"value": 1}, headers=bearer(tokens["op"])
    )
    assert closed.status_code == 409 and "closed" in closed.json()["error"]
    assert (
        http.put(
            f"/v2/votes/next/{CAP}/beauty", json={"value": 1}, headers=bearer(tokens["op"])
        ).status_code
        == 400
    )
    assert (
        http.put(
            "/v2/votes/next/no-such-cap/clients", json={"value": 1}, headers=bearer(tokens["op"])
        ).status_code
        == 404
    )
    assert http.put(url, json={"value": 7}, headers=bearer(tokens["op"])).status_code == 400

    # operator (weight 2) says yes, vendor (1) says no: 2/3 weighted "meets"
    assert (
        http.put(
            url, json={"value": 0, "comment": "first thought"}, headers=bearer(tokens["op"])
        ).status_code
        == 200
    )
    assert (
        http.put(
            url, json={"value": 1, "comment": "our users call it"}, headers=bearer(tokens["op"])
        ).status_code
        == 200
    )
    assert http.put(url, json={"value": 0}, headers=bearer(tokens["vend"])).status_code == 200
    body = http.get("/v2/votes/next", headers=bearer(tokens["op"])).json()
    item = body["capabilities"][CAP]["clients"]
    assert item["votes"] == 2  # one per account: the change replaced the first vote
    assert item["by_role"] == {
        "operator": {"for": 1, "against": 0},
        "vendor": {"for": 0, "against": 1},
    }
    assert item["share"] == round(2 / 3, 4)
    assert item["mine"] == {"value": 1, "comment": "our users call it"}
    assert names["op"] not in str(body)  # comments carry the role, never the voter

    # the working group re-weighs: equal weights give 1/2
    assert (
        http.put(
            "/v2/community/weights", json={"operator": 1}, headers=bearer(tokens["vend"])
        ).status_code
        == 403
    )
    r = http.put("/v2/community/weights", json={"operator": 1}, headers=bearer(tokens["wg"]))
    assert r.status_code == 200 and r.json()["operator"] == 1
    assert http.get("/v2/votes/next").json()["capabilities"][CAP]["clients"]["share"] == 0.5

    # beside the computed marks in suggest, which they do not change
    suggest = http.get("/v2/scoring/next/suggest").json()
    cap = next(c for c in suggest["capabilities"] if c["capability"] == CAP)
    assert cap["votes"]["clients"]["votes"] == 2
    assert cap["computed"]["clients"]["value"] == "?"  # no usage declaration stored

    # withdrawn, and every step is in the trail
    assert http.delete(url, headers=bearer(tokens["vend"])).status_code == 204
    assert http.delete(url, headers=bearer(tokens["vend"])).status_code == 404
    mine = http.get("/v2/community/events", headers=bearer(tokens["op"])).json()
    assert [e["action"] for e in mine][:2] == ["change", "vote"]
    trail = http.get("/v2/community/events", headers=bearer(foundation)).json()
    actions = [e["action"] for e in trail]
    assert {"role", "vote", "change", "withdraw", "weight"} <= set(actions)
    assert http.get("/v2/community/events").status_code == 401
