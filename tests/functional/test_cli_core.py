"""The CLI end to end, as a user runs it: real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def refcore(*args: str, env_guidelines: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if env_guidelines:
        env["REFCORE_GUIDELINES"] = str(env_guidelines)
    return subprocess.run(
        [sys.executable, "-m", "refcore", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def object_run(tmp_path_factory, guidelines) -> Path:
    lines = guidelines["2020.06"].test_list("object", ["required"])
    path = tmp_path_factory.mktemp("runs") / "object.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_guidelines_list_json(interop_dir):
    p = refcore("guidelines", "list", "--json", "--guidelines", str(interop_dir))
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert len(rows) == 31 and rows[12]["id"] == "2020.06" and rows[12]["capabilities"] == 79


def test_guidelines_tests_matches_library(interop_dir, guidelines):
    p = refcore(
        "guidelines",
        "tests",
        "2020.06",
        "--type",
        "required",
        "--no-flag",
        env_guidelines=interop_dir,
    )
    assert p.returncode == 0
    assert p.stdout.splitlines() == guidelines["2020.06"].test_list(types=["required"], flag=False)
    assert len(p.stdout.splitlines()) == 377


def test_guidelines_tests_bad_target_and_type(interop_dir):
    p = refcore("guidelines", "tests", "2020.06", "--target", "dns", env_guidelines=interop_dir)
    assert p.returncode == 2 and p.stderr.startswith("error: Invalid target: dns")
    assert len(p.stderr.strip().splitlines()) == 1
    p = refcore("guidelines", "tests", "2020.06", "--type", "mandatory", env_guidelines=interop_dir)
    assert p.returncode == 2 and "unknown status mandatory" in p.stderr


def test_unknown_guideline(interop_dir):
    p = refcore("guidelines", "show", "2030.01", env_guidelines=interop_dir)
    assert p.returncode == 2 and p.stderr.strip() == "error: Guideline not found: 2030.01"


def test_show(interop_dir):
    p = refcore(
        "guidelines", "show", "2020.06", "--target", "object", "--json", env_guidelines=interop_dir
    )
    data = json.loads(p.stdout)
    assert data["programs"]["object"]["capabilities"]["objectstore-account-list"] == "required"


def test_validate(interop_dir, tmp_path):
    p = refcore("guidelines", "validate", "next", env_guidelines=interop_dir)
    assert p.returncode == 0 and "0 errors, 17 warnings" in p.stdout
    bad = tmp_path / "2099.01.json"
    bad.write_text('{"schema": "1.6", "components": {}, "capabilities": {"a": {}}}')
    p = refcore("guidelines", "validate", str(bad), "--json")
    assert p.returncode == 1
    [issue] = json.loads(p.stdout)
    assert issue["severity"] == "error" and "capability has no 'tests'" in issue["message"]


def test_report_meets_and_not(interop_dir, object_run):
    p = refcore(
        "report",
        str(object_run),
        "--guideline",
        "2020.06",
        "--target",
        "object",
        env_guidelines=interop_dir,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "MEETS 2020.06 / object: 60 of 60" in " ".join(p.stdout.split())
    p = refcore(
        "report",
        str(object_run),
        "--guideline",
        "2020.06",
        "--target",
        "platform",
        "--json",
        env_guidelines=interop_dir,
    )
    assert p.returncode == 1
    assert json.loads(p.stdout)["summary"]["nonFlagPassCount"] == 60


def test_report_all(interop_dir, object_run):
    p = refcore("report", str(object_run), "--all", "--json", env_guidelines=interop_dir)
    assert p.returncode == 0
    met = {(r["guideline"], r["target"]) for r in json.loads(p.stdout)}
    assert ("2020.06", "object") in met and ("next", "object") in met


def test_report_bad_input(interop_dir, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01garbage\xff")
    p = refcore("report", str(junk), "--guideline", "2020.06", env_guidelines=interop_dir)
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "junk.bin" in p.stderr
    p = refcore(
        "report",
        str(tmp_path / "missing.subunit"),
        "--guideline",
        "2020.06",
        env_guidelines=interop_dir,
    )
    assert p.returncode == 2 and "missing.subunit" in p.stderr
    p = refcore("report", str(junk), env_guidelines=interop_dir)
    assert p.returncode == 2 and "--guideline" in p.stderr


def test_report_real_subunit_sample(interop_dir, samples_dir):
    sample = samples_dir / "refstack-client" / "identity-2020.06.subunit"
    p = refcore(
        "report",
        str(sample),
        "--guideline",
        "2020.06",
        "--target",
        "object",
        "--json",
        env_guidelines=interop_dir,
    )
    assert p.returncode == 1
    data = json.loads(p.stdout)
    caps = {c["name"]: c for c in data["capabilities"]}
    assert caps["identity-v3-tokens-create"]["met"] is True
    assert caps["objectstore-account-list"]["counts"]["not_run"] >= 1


def test_report_merges_runs_of_one_cloud(interop_dir, guidelines, tmp_path):
    from tests.subunit_streams import stream

    names = guidelines["2020.06"].test_list("object", ["required"])
    first = stream([(n, "fail" if i < 3 else "success") for i, n in enumerate(names)])
    second = stream([(n, "success") for n in names[:3]])
    (tmp_path / "a.subunit").write_bytes(first)
    (tmp_path / "b.subunit").write_bytes(second)
    args = ["--guideline", "2020.06", "--target", "object"]
    alone = refcore("report", str(tmp_path / "a.subunit"), *args, env_guidelines=interop_dir)
    assert alone.returncode == 1, alone.stdout + alone.stderr
    p = refcore(
        "report",
        str(tmp_path / "a.subunit"),
        str(tmp_path / "b.subunit"),
        *args,
        env_guidelines=interop_dir,
    )
    out = " ".join(p.stdout.split())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "merged 2 runs" in " ".join(p.stderr.split())
    assert "passed after retry" in out and "attempts: fail, pass" in out
    assert "MEETS 2020.06 / object: 60 of 60" in out and "3 passed after retry" in out
    j = refcore(
        "report",
        str(tmp_path / "a.subunit"),
        str(tmp_path / "b.subunit"),
        *args,
        "--json",
        env_guidelines=interop_dir,
    )
    assert json.loads(j.stdout)["passed_after_retry"] == 3
    # a missing second run is one line and exit 2
    bad = refcore("report", str(tmp_path / "a.subunit"), str(tmp_path / "nope"), *args)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
