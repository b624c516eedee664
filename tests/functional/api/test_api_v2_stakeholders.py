"""The stakeholder map end to end over real HTTP, on both databases (issue 15): managers
register teams, contributors confirm themselves, initiatives gather commitments, the map
shows organisations, managers, governance and who is not in the room on the real Swift and
Keystone histories, and publishing a draft e-mails the managers it concerns through a real
local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from contrib_recount import raw_commits, recount
from refcore_testing import (
    Inbox,
    LiveServer,
    _fresh_database,
    smtp_server,
    start_server,
    stop_server,
)

from refcore.core import authoring
from refcore.core.contributions import author_id

SINCE, UNTIL = "2019-01-01", "2024-12-31"
SLO = "objectstore-slo-support"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture(scope="module")
def server(
    db_kind: str,
    interop_dir: Path,
    shared_dir: Path,
    smtp: tuple[Inbox, int],
    tmp_path_factory: Any,
) -> Iterator[LiveServer]:
    url, cleanup = _fresh_database(db_kind, "stake", tmp_path_factory)
    env = {
        "REFCORE_CONTRIB": str(shared_dir / "contrib"),
        "REFCORE_SMTP_HOST": "127.0.0.1",
        "REFCORE_SMTP_PORT": str(smtp[1]),
        "REFCORE_MAIL_FROM": "interop@example.org",
    }
    process, base = start_server(url, interop_dir, env=env)
    live = LiveServer(base, url, process)
    yield live
    live.close()
    stop_server(process)
    cleanup()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def member(server: LiveServer, name: str, email_address: str, fullname: str, **kw: Any) -> str:
    from refcore.services import accounts

    with server.db.read() as session:
        user = accounts.create_user(
            session,
            name,
            email=email_address,
            fullname=fullname,
            foundation=kw.get("foundation", False),
        )
        return accounts.create_token(session, user)


def top_gmail_author(shared_dir: Path) -> tuple[str, int]:
    """The free-mail author with most Swift commits in the period (and their count)."""
    counts: dict[str, int] = {}
    for day, author, domain, _ in raw_commits(shared_dir / "contrib", "swift"):
        if SINCE <= day <= UNTIL and domain == "gmail.com":
            counts[author] = counts.get(author, 0) + 1
    author = max(counts, key=lambda a: (counts[a], a))
    return author, counts[author]


def test_teams_map_initiatives_and_draft_notices(
    server: LiveServer,
    http: httpx.Client,
    shared_dir: Path,
    smtp: tuple[Inbox, int],
    guidelines: Any,
) -> None:
    tag = uuid.uuid4().hex[:6]
    foundation = member(
        server, f"f-{tag}", f"f-{tag}@openinfra.dev", "Foundation Staff", foundation=True
    )
    mona = member(server, f"mona-{tag}", f"mona-{tag}@redhat.example", "Mona Manager")
    nico = member(server, f"nico-{tag}", f"nico-{tag}@nvidia.example", "Nico PM")
    carl_email = f"carl-{tag}@users.example"
    carl = member(server, f"carl-{tag}", carl_email, "Carl Contributor")
    carl_id = author_id(carl_email)
    hidden_author, hidden_commits = top_gmail_author(shared_dir)

    team_body = {
        "organisation": "Red Hat",
        "name": "Object storage",
        "role": "manager",
        "areas": [
            {"kind": "capability", "name": SLO},
            {"kind": "section", "project": "swift", "name": "SLO"},
        ],
        "contributors": [carl_id, hidden_author],
        "contact": f"storage-team-{tag}@redhat.example",
    }
    # who may register, and with what
    assert http.post("/v2/stakeholders/teams", json=team_body).status_code == 401
    for change, status, words in (
        ({"role": "overlord"}, 400, "role must be one of"),
        (
            {"areas": [{"kind": "capability", "name": "objectstore-teleport"}]},
            404,
            "objectstore-teleport",
        ),
        (
            {"areas": [{"kind": "section", "project": "swift", "name": "warp"}]},
            404,
            "section 'warp'",
        ),
        ({"areas": []}, 400, "at least one"),
        ({"contributors": ["not-an-id"]}, 400, "12 hex digits"),
        ({"organisation": "   "}, 400, "organisation is required"),
    ):
        r = http.post("/v2/stakeholders/teams", json={**team_body, **change}, headers=bearer(mona))
        assert r.status_code == status and words in r.json()["error"], (change, r.text)
    r = http.post("/v2/stakeholders/teams", json=team_body, headers=bearer(mona))
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["areas"] == [
        {"kind": "capability", "project": "swift", "name": SLO},
        {"kind": "section", "project": "swift", "name": "slo"},
    ]
    assert (
        team["contributors"] == 2 and team["confirmed"] == 0 and team["manager"] == "Mona Manager"
    )
    assert (
        http.post("/v2/stakeholders/teams", json=team_body, headers=bearer(mona)).status_code == 409
    )
    r = http.post(
        "/v2/stakeholders/teams",
        json={"organisation": "NVIDIA", "name": "Swift upstream", "role": "product-manager",
              "areas": [{"kind": "project", "project": "swift"}]},
        headers=bearer(nico),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    nvidia = r.json()

    # public: organisations and roles, never an address; members see the opt-in contact
    public = http.get("/v2/stakeholders/teams")
    assert public.status_code == 200 and "@" not in public.text
    assert {t["organisation"] for t in public.json()} >= {"Red Hat", "NVIDIA"}
    seen = {t["id"]: t for t in http.get("/v2/stakeholders/teams", headers=bearer(carl)).json()}
    assert seen[team["id"]]["contact"] == team_body["contact"] and seen[team["id"]]["lists_you"]
    assert "members" not in seen[team["id"]]  # the id list is the manager's

    # the contributor confirms (their id comes from their account, not from what they type)
    assert (
        http.put(
            f"/v2/stakeholders/teams/{team['id']}/membership", headers=bearer(nico)
        ).status_code
        == 404
    )
    r = http.put(f"/v2/stakeholders/teams/{team['id']}/membership", headers=bearer(carl))
    assert r.status_code == 200 and r.json()["confirmed"] == 1 and r.json()["you_confirmed"]
    me = http.get("/v2/stakeholders/me", headers=bearer(carl)).json()
    assert me["contributor"] == carl_id and [t["id"] for t in me["teams"]] == [team["id"]]

    # the map of a capability: organisations and shares, teams, governance, not in the room
    r = http.get("/v2/stakeholders/map", params={"capability": SLO, "since": SINCE, "until": UNTIL})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "@" not in r.text
    raw = recount(raw_commits(shared_dir / "contrib", "swift"), SINCE, UNTIL)
    rows = {o["name"]: o for o in body["organisations"]}
    # the hidden author the team declared now counts for Red Hat, not for gmail.com
    assert rows["Red Hat"]["commits"] == raw["redhat.com"][0] + hidden_commits
    assert rows["gmail.com"]["commits"] == raw["gmail.com"][0] - hidden_commits
    assert [t["id"] for t in rows["Red Hat"]["teams"]] == [team["id"]]
    assert [t["id"] for t in rows["NVIDIA"]["teams"]] == [nvidia["id"]]
    outside = {o["name"] for o in body["not_in_the_room"]}
    assert "OVHcloud" in outside and "Red Hat" not in outside and "NVIDIA" not in outside
    assert all(rows[n]["kind"] == "organisation" for n in outside)
    assert body["governance"]["leaders"] == [
        {"name": "Tim Burke", "role": "ptl", "irc": "timburke"}
    ]
    assert body["history"]["commits"] == sum(n for n, _ in raw.values())
    # a section map counts only the section's code
    r = http.get(
        "/v2/stakeholders/map",
        params={"project": "swift", "section": "slo", "since": SINCE, "until": UNTIL},
    )
    assert r.status_code == 200 and r.json()["history"]["commits"] < body["history"]["commits"]

    # identity: nobody registered for Keystone, so every contributing organisation is outside
    r = http.get("/v2/stakeholders/map", params={"capability": "identity-v3-tokens-validate"})
    ident = r.json()
    assert r.status_code == 200 and ident["subject"]["project"] == "keystone"
    # without a period: the two years up to the history's newest commit
    newest = max(day for day, *_ in raw_commits(shared_dir / "contrib", "keystone"))
    assert ident["period"] == {"since": f"{int(newest[:4]) - 2}{newest[4:]}", "until": newest}
    orgs = [o["name"] for o in ident["organisations"] if o["kind"] == "organisation"]
    assert orgs and [o["name"] for o in ident["not_in_the_room"]] == orgs
    assert ident["teams"] == [] and ident["governance"]["team"] == "keystone"
    assert ("Dave Wilde", "release liaison") in [
        (p["name"], p["role"]) for p in ident["governance"]["liaisons"]
    ]

    # initiatives and commitments
    opened = http.post(
        "/v2/stakeholders/initiatives",
        json={"team_id": team["id"], "kind": "capability", "subject": SLO,
              "title": f"make {SLO} ready to be required"},
        headers=bearer(mona),
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    item = opened.json()
    assert item["opened_by"]["organisation"] == "Red Hat"
    url = f"/v2/stakeholders/initiatives/{item['id']}/commitments"
    assert (
        http.put(f"{url}/{team['id']}", json={"headcount": 1}, headers=bearer(nico)).status_code
        == 403
    )
    assert (
        http.put(f"{url}/{nvidia['id']}", json={"headcount": 500}, headers=bearer(nico)).status_code
        == 400
    )
    assert http.put(f"{url}/{nvidia['id']}", json={}, headers=bearer(nico)).status_code == 400
    r = http.put(
        f"{url}/{nvidia['id']}",
        json={"headcount": 2, "review_hours": 10, "note": "SLO tests"},
        headers=bearer(nico),
    )
    assert r.status_code == 200, r.text
    r = http.put(
        f"{url}/{team['id']}", json={"headcount": 1, "review_hours": 4}, headers=bearer(mona)
    )
    joined = r.json()
    assert (joined["headcount"], joined["review_hours"], joined["organisations"]) == (3, 14, 2)
    shown = http.get("/v2/stakeholders/map", params={"capability": SLO}).json()["initiatives"]
    assert [i["id"] for i in shown] == [item["id"]] and shown[0]["headcount"] == 3

    # the Foundation's mappings
    edit = {"kind": "organisation", "organisation": "Oliver Consulting"}
    assert (
        http.put(
            "/v2/stakeholders/mappings/domains/oliver.net.au", json=edit, headers=bearer(mona)
        ).status_code
        == 403
    )
    assert (
        http.put(
            "/v2/stakeholders/mappings/domains/not a domain", json=edit, headers=bearer(foundation)
        ).status_code
        == 400
    )
    assert (
        http.put(
            "/v2/stakeholders/mappings/domains/oliver.net.au", json=edit, headers=bearer(foundation)
        ).status_code
        == 200
    )
    counted = http.get(
        "/v2/stakeholders/contributions",
        params={"project": "swift", "since": SINCE, "until": UNTIL},
    ).json()
    names = {o["name"]: o for o in counted["organisations"]}
    assert (
        names["Oliver Consulting"]["commits"] == raw["oliver.net.au"][0]
        and "oliver.net.au" not in names
    )
    r = http.put(
        "/v2/stakeholders/mappings/sections/swift/slo",
        json={"patterns": ["../etc"]},
        headers=bearer(foundation),
    )
    assert r.status_code == 400
    r = http.put(
        "/v2/stakeholders/mappings/sections/swift/slo",
        json={"patterns": ["swift/common/middleware/slo.py", "swift/common/middleware/dlo.py"]},
        headers=bearer(foundation),
    )
    assert r.status_code == 200
    assert (
        http.get("/v2/stakeholders/mappings/sections").json()["swift"]["slo"][1]
        == "swift/common/middleware/dlo.py"
    )

    # a product with a stored run that misses SLO tests the draft keeps required
    object_tests = guidelines["2020.06"].test_list("object", ["required"])
    slo_tests = [t.name for t in guidelines["2020.06"].capabilities[SLO].tests]
    passed = [t for t in object_tests if t.split("[")[0] not in slo_tests]
    run = http.post("/v2/runs", content="\n".join(passed) + "\n", headers=bearer(mona))
    assert run.status_code == 201, run.text
    product = http.post(
        "/v1/products",
        json={"name": f"Cloud {tag}", "product_type": 1, "version": "1"},
        headers=bearer(mona),
    ).json()["id"]
    version = http.get(f"/v1/products/{product}/versions", headers=bearer(mona)).json()[0]
    r = http.put(
        f"/v2/runs/{run.json()['id']}/product-version",
        json={"product_version_id": version["id"]},
        headers=bearer(mona),
    )
    assert r.status_code == 200, r.text

    doc: dict[str, Any] = json.loads(json.dumps(guidelines["2020.06"].raw))
    doc["metadata"]["id"] = "2030.01"
    doc["metadata"]["os_trademark_approval"].update(replaces="2020.06", status="draft")
    doc = authoring.flag_test(doc, SLO, slo_tests[0], reason="flaky", date="2026-12-01")
    doc = authoring.set_status(
        doc, "identity-v3-tokens-validate", "advisory", reason="t", date="2026-12-01"
    )
    doc["designated_sections"]["swift"]["required"]["sections"]["tempauth"]["designated"] = True
    assert http.post("/v2/drafts", json=doc, headers=bearer(mona)).status_code == 403
    before = len(smtp[0].envelopes)
    r = http.post("/v2/drafts", json=doc, headers=bearer(foundation))
    assert r.status_code == 201, r.text
    draft_id = r.json()["id"]
    assert r.json()["notified"] == {"sent": 2, "failed": 0, "no_address": 0}

    impact = http.get(f"/v2/stakeholders/impact/{draft_id}", headers=bearer(foundation)).json()
    caps = {c["capability"]: c for c in impact["capabilities"]}
    assert caps[SLO]["changes"] == ["test flagged"]
    assert [p["product"] for p in caps[SLO]["products"]] == [f"Cloud {tag}"]
    assert caps[SLO]["products"][0]["missing_tests"] >= 3
    assert {t["id"] for t in caps[SLO]["teams"]} == {team["id"], nvidia["id"]}
    assert any(
        c.startswith("no longer required") for c in caps["identity-v3-tokens-validate"]["changes"]
    )
    assert caps["identity-v3-tokens-validate"]["teams"] == []
    assert [o["name"] for o in caps["identity-v3-tokens-validate"]["organisations"]][:1] == [
        "Red Hat"
    ]
    assert (
        impact["sections"][0]["project"] == "swift"
        and impact["sections"][0]["section"] == "tempauth"
    )
    assert [t["id"] for t in impact["sections"][0]["teams"]] == [nvidia["id"]]

    mails = smtp[0].envelopes[before:]
    to = sorted(rcpt for rcpts, _ in mails for rcpt in rcpts)
    assert to == sorted([team_body["contact"], f"nico-{tag}@nvidia.example"])
    by_to = {rcpts[0]: msg for rcpts, msg in mails}
    text = by_to[team_body["contact"]].get_payload()
    assert f"Draft guideline {draft_id}" in by_to[team_body["contact"]]["Subject"]
    assert SLO in text and "test flagged" in text and "tempauth" not in text
    nico_text = by_to[f"nico-{tag}@nvidia.example"].get_payload()
    assert "section tempauth of swift: newly designated" in nico_text and SLO in nico_text
    assert by_to[team_body["contact"]]["From"] == "interop@example.org"
    sent = http.get(f"/v2/stakeholders/notices/{draft_id}", headers=bearer(foundation))
    assert [n["status"] for n in sent.json()] == ["sent", "sent"]
    assert http.get(f"/v2/stakeholders/notices/{draft_id}", headers=bearer(mona)).status_code == 403

    # a contributor removes themselves; a manager deletes the team
    assert (
        http.delete(
            f"/v2/stakeholders/teams/{team['id']}/membership", headers=bearer(carl)
        ).status_code
        == 204
    )
    assert http.get(f"/v2/stakeholders/teams/{team['id']}").json()["contributors"] == 1
    assert (
        http.delete(f"/v2/stakeholders/teams/{team['id']}", headers=bearer(nico)).status_code == 403
    )
    assert (
        http.delete(f"/v2/stakeholders/teams/{team['id']}", headers=bearer(mona)).status_code == 204
    )
    assert http.delete(f"/v2/drafts/{draft_id}", headers=bearer(foundation)).status_code == 204


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"capability": "objectstore-teleport"}, 404, "objectstore-teleport"),
        ({"project": "nova"}, 200, None),
        ({}, 400, "Say which"),
        ({"project": "swift", "since": "2020-13-01"}, 400, "must be a date"),
        ({"project": "swift", "since": "2021-01-01", "until": "2020-01-01"}, 400, "is after"),
        ({"project": "atlantis"}, 400, "No guideline names a project"),
    ],
)
def test_map_answers_bad_questions_clearly(
    http: httpx.Client, params: dict[str, str], status: int, words: str | None
) -> None:
    r = http.get("/v2/stakeholders/map", params=params)
    assert r.status_code == status, r.text
    if words:
        assert words in r.json()["error"]
    else:  # a project without a shipped history says so instead of inventing counts
        assert (
            r.json()["history"] is None
            and "no history for project 'nova'" in r.json()["history_missing"]
        )
