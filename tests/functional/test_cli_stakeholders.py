"""``refcore stakeholders contributions`` as a user runs it: the shipped histories, a real
git clone, wrong arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from contrib_recount import raw_commits, recount

ROOT = Path(__file__).resolve().parents[2]


def refcore(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "REFCORE_CONTRIB"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "refcore", "stakeholders", *args],
        capture_output=True, text=True, env=environ, cwd=cwd, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("project", ["swift", "keystone"])
def test_the_documented_command_on_the_shipped_history(shared_dir, project):
    # run from the worktree: the shipped history is found at ../shared/contrib
    p = refcore(
        "contributions", "--project", project, "--since", "2019-01-01", "--until", "2024-12-31",
        "--by", "domain", "--json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["project"] == project
    expected = recount(raw_commits(shared_dir / "contrib", project), "2019-01-01", "2024-12-31")
    got = {o["name"]: (o["commits"], o["authors"]) for o in out["organisations"]}
    assert got == expected
    commits = [o["commits"] for o in out["organisations"]]
    assert commits == sorted(commits, reverse=True)
    assert "@" not in p.stdout


def test_section_and_organisations_table(shared_dir):
    p = refcore(
        "contributions", "--project", "swift", "--section", "DiskFile",
        "--contrib", str(shared_dir / "contrib"),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "section DiskFile" in p.stdout and "free-mail" in p.stdout
    assert "affiliation hidden (free-mail or unmapped domains):" in p.stdout


def _git(repo: Path, *args: str, email: str, day: str) -> None:
    env = {
        **os.environ, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": email,
        "GIT_AUTHOR_DATE": f"{day}T12:00:00+02:00", "GIT_COMMITTER_DATE": f"{day}T12:00:00+02:00",
    }  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def test_a_local_git_clone_is_read_the_same_way(tmp_path):
    repo = tmp_path / "swift"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", email="a@x.org", day="2019-01-01")
    writes = [
        ("ann@RedHat.com", "2018-12-31", "swift/proxy/server.py"),
        ("ann@RedHat.com", "2019-01-01", "swift/proxy/server.py"),
        ("bob@gmail.com", "2019-06-01", "swift/obj/diskfile.py"),
        ("cy@gmail.com", "2019-06-02", "swift/proxy/controllers/obj.py"),
        ("ann@redhat.com", "2020-01-01", "README"),
    ]
    for n, (email, day, path) in enumerate(writes):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(f"{n}\n")
        _git(repo, "add", path, email=email, day=day)
        _git(repo, "commit", "-q", "-m", f"c{n}", email=email, day=day)
    p = refcore(
        "contributions", "--project", "swift", "--git", str(repo), "--since", "2019-01-01",
        "--json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert [(o["name"], o["commits"], o["authors"]) for o in out["organisations"]] == [
        ("Red Hat", 2, 1), ("gmail.com", 2, 2)
    ]  # fmt: skip
    assert "ann" not in p.stdout and "@" not in p.stdout
    p = refcore(
        "contributions", "--project", "swift", "--git", str(repo), "--section", "proxy server",
        "--json",
    )  # fmt: skip
    out = json.loads(p.stdout)
    assert out["commits"] == 3 and out["area"] == "proxy server"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nova"], "no history for project 'nova'"),
        (["--project", "swift", "--since", "2019-13-01"], "'2019-13-01' is not a date"),
        (["--project", "swift", "--since", "2020-01-01", "--until", "2019-01-01"], "is after"),
        (["--project", "swift", "--by", "company"], "'company' is not one of"),
        (["--project", "swift", "--section", "warp drive"], "no code paths known for section"),
        (["--project", "swift", "--git", "/nonexistent/repo"], "does not exist"),
        (["--since", "2019-01-01"], "Missing option '--project'"),
    ],
)
def test_wrong_arguments_give_one_line_and_exit_2(shared_dir, tmp_path, args, message):
    p = refcore("contributions", *args, "--contrib", str(shared_dir / "contrib"))
    assert p.returncode == 2, p.stdout
    assert message in p.stderr and "Traceback" not in p.stderr


def test_no_contrib_directory_is_explained(tmp_path):
    p = refcore("contributions", "--project", "swift", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == (
        "error: no contribution data: pass --contrib DIR (or set REFCORE_CONTRIB), or --git PATH"
    )
