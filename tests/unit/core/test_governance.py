"""Governance projects.yaml: the real file read into teams, leaders and liaisons."""

from __future__ import annotations

import pytest

from refcore.core.governance import parse_projects, team_of_repository
from refcore.errors import HistoryError
from refcore.readers.contrib import read_governance


def test_real_governance_file(shared_dir):
    text = (shared_dir / "contrib" / "governance-projects.yaml").read_text()
    teams = read_governance(shared_dir / "contrib")
    assert len(teams) == text.count("\n  leadership_type:")
    swift, keystone = teams["swift"], teams["keystone"]
    assert [(p.name, p.role) for p in swift.leaders] == [("Tim Burke", "ptl")]
    assert "openstack/swift" in swift.repositories and swift.service == "Object Storage service"
    assert ("Dave Wilde", "release liaison") in [(p.name, p.role) for p in keystone.liaisons]
    assert team_of_repository(teams, "python-keystoneclient") is keystone
    distributed = [t for t in teams.values() if t.leadership_type == "distributed"]
    assert len(distributed) == text.count("leadership_type: distributed")
    assert all(not t.leaders for t in distributed)
    assert "@" not in repr(teams)


@pytest.mark.parametrize(
    ("text", "message"),
    [("a: [", "is not YAML"), ("- x\n", "must map team names"), ("t: 3\n", "is not a mapping")],
)
def test_bad_governance_files(text, message):
    with pytest.raises(HistoryError, match=message):
        parse_projects(text)
