"""Contribution histories: parsing the contrib format and counting per organisation.

The real Swift and Keystone histories are recounted here by a separate, deliberately
simple code path (regular expressions over the raw lines, plain dicts), so the core's
parser and counting are checked against the files themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contrib_recount import raw_commits, recount

from refcore.core.affiliation import Affiliation, classify
from refcore.core.code_areas import DEFAULT_SECTION_PATHS, matches, section_paths, touches_any
from refcore.core.contributions import author_id, count, parse_history, renamed_path
from refcore.errors import HistoryError
from refcore.readers.contrib import read_history


@pytest.fixture(scope="module")
def contrib(shared_dir: Path) -> Path:
    return shared_dir / "contrib"


@pytest.mark.parametrize(("project", "total"), [("swift", 6616), ("keystone", 8475)])
def test_whole_history_is_read(contrib, project, total):
    commits = read_history(project, contrib)
    raw = raw_commits(contrib, project)
    assert len(commits) == len(raw) == total
    assert [c.author for c in commits] == [r[1] for r in raw]
    assert sum(len(c.files) for c in commits) == sum(len(r[3]) for r in raw)


@pytest.mark.parametrize(
    ("project", "since", "until"),
    [
        ("swift", "2019-01-01", "2024-12-31"),
        ("swift", "2010-01-01", "2013-12-31"),
        ("swift", "2000-01-01", "2099-12-31"),
        ("keystone", "2019-01-01", "2024-12-31"),
        ("keystone", "2014-06-01", "2015-05-31"),
    ],
)
def test_contributions_per_domain_are_exact(contrib, project, since, until):
    expected = recount(raw_commits(contrib, project), since, until)
    result = count(project, read_history(project, contrib), since=since, until=until, by="domain")
    got = {g.name: (g.commits, len(g.authors)) for g in result.groups}
    assert got == expected
    assert result.commits == sum(n for n, _ in expected.values())
    counts = [g.commits for g in result.groups]
    assert counts == sorted(counts, reverse=True)


def test_organisations_keep_free_mail_and_unmapped_visible(contrib):
    result = count("swift", read_history("swift", contrib), since="2019-01-01", until="2024-12-31")
    rows = {g.name: g for g in result.groups}
    raw = recount(raw_commits(contrib, "swift"), "2019-01-01", "2024-12-31")
    assert (
        rows["gmail.com"].kind == "free-mail" and rows["gmail.com"].commits == raw["gmail.com"][0]
    )
    assert rows["oliver.net.au"].kind == "unmapped"
    assert rows["NVIDIA"].kind == "organisation" and rows["NVIDIA"].commits == raw["nvidia.com"][0]
    # OVHcloud commits from two domains: one row, both domains named
    ovh = sum(raw.get(d, (0, 0))[0] for d in ("corp.ovh.com", "ovhcloud.com", "ovh.net"))
    assert rows["OVHcloud"].commits == ovh and rows["OVHcloud"].domains >= {"corp.ovh.com"}
    hidden = sum(n for d, (n, _) in raw.items() if classify(d, Affiliation())[1] != "organisation")
    assert result.hidden_share() == pytest.approx(hidden / result.commits)
    assert sum(g.commits for g in result.groups) == result.commits


def test_declared_team_members_win_over_their_domain(contrib):
    commits = read_history("swift", contrib)
    someone = next(c.author for c in commits if c.domain == "gmail.com")
    declared = {someone: "Example Corp"}
    result = count("swift", commits, declared=declared)
    mine = sum(1 for c in commits if c.author == someone)
    rows = {g.name: g for g in result.groups}
    assert rows["Example Corp"].commits == mine and rows["Example Corp"].kind == "organisation"
    assert rows["gmail.com"].commits == sum(1 for c in commits if c.domain == "gmail.com") - mine


#: the test's own reading of where Swift's designated sections live
SWIFT_SECTIONS = {
    "proxy server": lambda p: p.startswith("swift/proxy/"),
    "diskfile": lambda p: p in ("swift/obj/diskfile.py", "swift/obj/mem_diskfile.py"),
    "slo": lambda p: p == "swift/common/middleware/slo.py",
    "object server": lambda p: p == "swift/obj/server.py",
    "tempurl": lambda p: p == "swift/common/middleware/tempurl.py",
}


@pytest.mark.parametrize("section", sorted(SWIFT_SECTIONS))
def test_swift_contributions_per_designated_section(contrib, section):
    inside = SWIFT_SECTIONS[section]
    expected = recount(
        raw_commits(contrib, "swift"),
        "2015-01-01",
        "2024-12-31",
        keep=lambda files: any(inside(f) for f in files),
    )
    result = count(
        "swift",
        read_history("swift", contrib),
        since="2015-01-01",
        until="2024-12-31",
        by="domain",
        touches=touches_any(section_paths("swift", section) or ()),
    )
    assert {g.name: (g.commits, len(g.authors)) for g in result.groups} == expected
    assert result.commits > 10


def test_every_swift_and_keystone_section_of_the_guidelines_has_paths(guidelines):
    from refcore.core.sections import section_infos

    for project in ("swift", "keystone"):
        names = {s.name.lower() for g in guidelines.values() for s in section_infos(g, project)}
        assert names and names <= set(DEFAULT_SECTION_PATHS[project]), project


def test_every_section_path_exists_in_the_history(contrib):
    for project in ("swift", "keystone"):
        files = {f for c in read_history(project, contrib) for f in c.files}
        for section, patterns in DEFAULT_SECTION_PATHS[project].items():
            for p in patterns:
                assert any(matches(f, (p,)) for f in files), (project, section, p)


def test_renames_count_under_the_new_path():
    assert (
        renamed_path("swift/common/{utils.py => utils/__init__.py}")
        == "swift/common/utils/__init__.py"
    )
    assert renamed_path("test/{ => unit}/x.py") == "test/unit/x.py"
    assert renamed_path("a.py => b/a.py") == "b/a.py"
    assert renamed_path("plain/path.py") == "plain/path.py"


def test_a_clone_log_is_reduced_to_id_and_domain():
    text = "commit abc\t2020-02-03T04:05:06+01:00\tJane.Doe@Example.COM\n\n1\t2\tx.py\n"
    (c,) = parse_history(text)
    assert c.author == author_id("jane.doe@example.com") and c.domain == "example.com"
    assert "@" not in repr(c) and c.files == ("x.py",) and c.day == "2020-02-03"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\t2\tx.py\n", "line 1: expected a 'commit' line"),
        ("commit abc\t2020-01-01\n", "line 1: a commit line needs"),
        ("commit abc\tyesterday\tid\tx.org\n", "not an ISO 8601 author date"),
        ("commit abc\t2020-02-30T00:00:00Z\tid\tx.org\n", "not an ISO 8601 author date"),
        ("commit abc\t2020-01-01T00:00:00Z\tnobody\n", "has no domain"),
        ("commit abc\t2020-01-01T00:00:00Z\tid\tx.org\nrubbish\n", "line 2:"),
    ],
)
def test_bad_history_lines_are_named(text, message):
    with pytest.raises(HistoryError, match=re.escape(message)):
        parse_history(text)


def test_unknown_grouping_is_refused():
    with pytest.raises(HistoryError, match="--by must be one of"):
        count("swift", [], by="company")


def test_sub_domains_map_to_their_organisation():
    aff = Affiliation()
    assert classify("us.ibm.com", aff) == ("IBM", "organisation")
    assert classify("linux.vnet.ibm.com", aff) == ("IBM", "organisation")
    assert classify("Gmail.com", aff) == ("gmail.com", "free-mail")
    assert classify("not.mn", aff) == ("not.mn", "unmapped")
    # a free-mail domain is never an employer, even if someone maps it
    assert classify("gmail.com", Affiliation({"gmail.com": "Google"})) == ("gmail.com", "free-mail")
