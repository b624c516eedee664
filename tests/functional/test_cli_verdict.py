"""``refcore verdict`` and ``refcore sections`` as a user runs them: real files,
real exit codes (0 allowed / nothing applies, 1 refused, 2 bad input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[2] / "examples" / "advisory-cases"


@pytest.fixture(scope="module")
def env(interop_dir: Path) -> dict[str, str]:
    return {**os.environ, "REFCORE_GUIDELINES": str(interop_dir)}


def refcore(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refcore", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_allowed_exits_0_with_json(env) -> None:
    p = refcore(env, "verdict", CASES / "bananacloud.yaml", "--guideline", "havana", "--json")
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)
    assert v["outcome"] == "allowed" and v["binding"] is False and v["policy"] == "approved-text"
    assert [r["code"] for r in v["programs"][0]["reasons"] if r["severity"] == "warning"] == [
        "guideline_not_binding"
    ]


def test_refused_exits_1_and_says_why(env) -> None:
    p = refcore(
        env,
        "verdict",
        CASES / "sprocket-before.yaml",
        "--guideline",
        "havana",
        "--enforce-advisory",
    )
    assert p.returncode == 1, p.stderr
    out = " ".join(p.stdout.split())  # rich wraps long lines
    assert "refused platform" in out
    assert "required capability compute-keypairs: 3 of 3 must-pass tests did not pass" in out
    assert "swift: 11 required designated section(s) not included: 'proxy server' (absent)" in out
    assert out.endswith("verdict: refused")


def test_assume_and_run_override(env, tmp_path) -> None:
    after = CASES / "evidence" / "sprocket-after.passed"
    args = (
        "verdict",
        CASES / "sprocket-before.yaml",
        "--guideline",
        "havana",
        "--enforce-advisory",
    )
    p = refcore(env, *args, "--assume", "swift=none", "--run", after, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["assume"] == {"swift": "none"}
    p = refcore(env, *args, "--assume", "swift=some")
    assert p.returncode == 2 and "expected PROJECT=none|all|published" in p.stderr


def test_client_library_exits_0(env) -> None:
    p = refcore(env, "verdict", CASES / "mist.yaml", "--guideline", "2020.06", "--json")
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)
    assert v["outcome"] == "not_applicable"
    # Havana names do not exist in 2020.06: the mapping says so instead of guessing
    assert {u["why"] for u in v["usage"] if u["category"] == "untested"} >= {
        "not-in-guideline",
        "no-capability",
    }


def test_policy_switch(env, tmp_path) -> None:
    profile = tmp_path / "p.json"
    run = tmp_path / "run.txt"
    profile.write_text(
        json.dumps(
            {
                "vendor": "V",
                "product": "P",
                "kind": "appliance",
                "release": "ussuri",
                "programs": ["compute"],
                "projects": {"glance": {"deployed": True, "sections": {"notifier": "replaced"}}},
                "evidence": {"run": "run.txt"},
                "obligations": {"foundation_member": True, "trademark_agreement": True},
            }
        )
    )
    p = refcore(env, "guidelines", "tests", "2020.06", "--target", "compute", "--type", "required")
    run.write_text(p.stdout)
    assert refcore(env, "verdict", profile, "--guideline", "2020.06").returncode == 0
    seed = refcore(env, "verdict", profile, "--guideline", "2020.06", "--policy", "seed", "--json")
    assert seed.returncode == 1
    (r,) = [
        r for r in json.loads(seed.stdout)["programs"][0]["reasons"] if r["severity"] == "refusal"
    ]
    assert (
        r["code"] == "unlisted_section_designated" and r["data"]["decision"]["rule"]["number"] == 8
    )
    bad = refcore(env, "verdict", profile, "--guideline", "2020.06", "--policy", "lenient")
    assert bad.returncode == 2 and "lenient" in bad.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("vendor: V\nproduct: P\nkind: cloud\n", "/kind: 'cloud' is not one of"),
        ("vendor: [unclosed\n", "not YAML or JSON at line 2"),
        ("- a list\n", "/: ['a list'] is not of type 'object'"),
    ],
)
def test_bad_profiles_exit_2_with_one_precise_line(
    env, tmp_path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    p = refcore(env, "verdict", path, "--guideline", "havana")
    assert p.returncode == 2
    assert p.stderr.startswith(f"error: {path}") and expected in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and p.stdout == ""


def test_missing_inputs_exit_2(env, tmp_path) -> None:
    p = refcore(env, "verdict", tmp_path / "nope.yaml", "--guideline", "havana")
    assert p.returncode == 2 and "no such profile file" in p.stderr
    p = refcore(env, "verdict", CASES / "bananacloud.yaml", "--guideline", "1999.01")
    assert p.returncode == 2 and "Guideline not found: 1999.01" in p.stderr
    stored = tmp_path / "stored.yaml"
    stored.write_text(
        "vendor: V\nproduct: P\nkind: public-cloud\nrelease: ussuri\nprograms: [platform]\n"
        "evidence: {run_id: 7d3c}\n"
    )
    p = refcore(env, "verdict", stored, "--guideline", "2020.06")
    assert p.returncode == 2 and "run_id '7d3c'" in p.stderr and "--run FILE" in p.stderr
    missing_run = tmp_path / "missing.yaml"
    missing_run.write_text(stored.read_text().replace("{run_id: 7d3c}", "{run: gone.subunit}"))
    p = refcore(env, "verdict", missing_run, "--guideline", "2020.06")
    assert p.returncode == 2 and "gone.subunit: no such file" in p.stderr


def test_sections_json_and_text(env) -> None:
    p = refcore(env, "sections", "havana", "--project", "swift", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    (group,) = data["groups"]
    assert group["project"] == "swift" and group["status"] == "required"
    assert sum(s["designated"] for s in group["sections"]) == 11 and len(group["sections"]) == 28
    assert data["programs"]["platform"]["swift"]["binding"] is True
    assert data["programs"]["platform"]["cinder"]["binding"] is False
    text = refcore(env, "sections", "2020.06", "--target", "object", "--designated")
    assert text.returncode == 0, text.stderr
    out = " ".join(text.stdout.split())
    assert "designated auth (v3) API" in out and "not designated catalog API" not in out
    full = " ".join(refcore(env, "sections", "2020.06", "--project", "keystone").stdout.split())
    assert "not designated catalog API" in full
    assert "program object: sections bind for keystone, swift" in out
    bad = refcore(env, "sections", "havana", "--project", "trove")
    assert bad.returncode == 2 and "has no sections for 'trove'" in bad.stderr


def test_superseded_guideline_refuses_unless_judged_historically(
    env, tmp_path, samples_dir
) -> None:
    """2019.06 is approved but no longer one of the two latest: a new validation cannot use
    it (the real 58/58 storage run meets it); --historical judges it as of its time."""
    profile = tmp_path / "storage.yaml"
    run = samples_dir / "refstack-client" / "upload-body.json"
    profile.write_text(
        "profile_version: 1\nvendor: ACME\nproduct: ACME Storage\nkind: public-cloud\n"
        f"release: stein\nprograms: [storage]\nevidence: {{run: {run}}}\n"
        "obligations: {foundation_member: true, trademark_agreement: true}\n"
    )
    now = refcore(env, "verdict", profile, "--guideline", "2019.06")
    assert now.returncode == 1, now.stderr
    out = " ".join(now.stdout.split())
    assert "refusal guideline 2019.06 is approved but not one of the two latest" in out
    assert "(2019.11, 2020.06)" in out and "--historical" in out
    then = refcore(env, "verdict", profile, "--guideline", "2019.06", "--historical", "--json")
    assert then.returncode == 0, then.stderr
    v = json.loads(then.stdout)
    (reason,) = [r for r in v["programs"][0]["reasons"] if r["code"] == "guideline_not_current"]
    assert reason["severity"] == "warning" and "judged historically" in reason["message"]
    assert v["outcome"] == "allowed" and v["historical"] is True


def test_an_empty_profile_says_so_and_what_it_needs(env, tmp_path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("\n")
    p = refcore(env, "verdict", empty, "--guideline", "2020.06")
    assert p.returncode == 2
    assert p.stderr.strip() == (
        f"error: {empty}: the profile is empty; it needs vendor, product and kind, and "
        "(except for a client library) release and programs; usually also projects, "
        "evidence and obligations"
    )
