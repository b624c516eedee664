"""The map for every objectstore-* and identity-* capability of 2020.06 on the real Swift and
Keystone histories, with teams registered at some of the contributing organisations: each
organisation's counts match an independent recount, registered managers sit beside their
organisation, and "not in the room" is exactly the contributing organisations without a team.
Both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from contrib_recount import raw_commits, recount

from refcore.core.affiliation import Affiliation, classify
from refcore.services import accounts, stakeholder_map
from refcore.services import stakeholders as teams

SINCE, UNTIL = "2016-01-01", "2020-12-31"


def capabilities(guidelines: Any) -> list[str]:
    return sorted(
        c for c in guidelines["2020.06"].capabilities if c.startswith(("objectstore-", "identity-"))
    )


def expected_organisations(shared_dir: Path, project: str) -> dict[str, int]:
    """organisation (or hidden domain) -> commits, recounted from the raw file."""
    out: dict[str, int] = {}
    for domain, (commits, _) in recount(
        raw_commits(shared_dir / "contrib", project), SINCE, UNTIL
    ).items():
        name = "(none)" if domain == "(none)" else classify(domain, Affiliation())[0]
        out[name] = out.get(name, 0) + commits
    return out


def test_map_of_every_objectstore_and_identity_capability(
    db_session: Any, guidelines: Any, shared_dir: Path
) -> None:
    user = accounts.create_user(db_session, "manager-map", fullname="Map Manager")
    actor = accounts.actor_for(db_session, user)
    registered = {
        ("Red Hat", "swift"): teams.register_team(
            db_session, actor, guidelines, organisation="Red Hat", name="Swift core",
            role="manager", areas=[{"kind": "project", "project": "swift"}],
        ),
        ("SwiftStack", "swift"): teams.register_team(
            db_session, actor, guidelines, organisation="SwiftStack", name="SLO",
            role="product-manager", areas=[{"kind": "capability", "name": "objectstore-slo-support"}],
        ),
        ("IBM", "keystone"): teams.register_team(
            db_session, actor, guidelines, organisation="IBM", name="Identity",
            role="manager", areas=[{"kind": "capability", "name": "identity-v3-tokens-create"}],
        ),
    }  # fmt: skip
    source = str(shared_dir / "contrib")
    caps = capabilities(guidelines)
    assert len([c for c in caps if c.startswith("objectstore-")]) == 18
    assert len([c for c in caps if c.startswith("identity-")]) == 6
    for cap in caps:
        m = stakeholder_map.stakeholder_map(
            db_session,
            accounts.ANONYMOUS,
            guidelines,
            source,
            capability=cap,
            since=SINCE,
            until=UNTIL,
        )
        project = m["subject"]["project"]
        assert project == ("swift" if cap.startswith("objectstore-") else "keystone")
        want = expected_organisations(shared_dir, project)
        assert {o["name"]: o["commits"] for o in m["organisations"]} == want, cap
        covering = {
            org for (org, p), t in registered.items()
            if p == project and any(a["kind"] == "project" or a["name"] == cap for a in t["areas"])
        }  # fmt: skip
        beside = {o["name"] for o in m["organisations"] if o["teams"]}
        assert beside == covering, cap
        orgs = {o["name"] for o in m["organisations"] if o["kind"] == "organisation"}
        assert {o["name"] for o in m["not_in_the_room"]} == orgs - covering, cap
        assert m["governance"]["leaders"], cap
        assert all(t["contact"] is None and "members" not in t for t in m["teams"])
        for row in m["organisations"]:
            assert row["share"] == pytest.approx(row["commits"] / m["history"]["commits"], abs=1e-4)
