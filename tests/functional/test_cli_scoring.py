"""``refcore scoring`` and ``refcore guidelines diff|draft`` end to end on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from refcore.cli import cli


@pytest.fixture()
def run(interop_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REFCORE_GUIDELINES", str(interop_dir))
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def sheet(interop_dir: Path, name: str) -> str:
    return str(interop_dir / "working_materials" / name)


def test_check_powered_sheet_exits_0(run, interop_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("scoring", "check", sheet(interop_dir, "scoring.txt"), "--guideline", "next")
    assert result.exit_code == 0, result.output
    assert "140/140 rows reproduce" in result.output


def test_check_json_rows(run, interop_dir: Path) -> None:  # type: ignore[no-untyped-def]
    nfv = str(interop_dir / "verticals" / "nfv.next.json")  # a guideline FILE works too
    result = run(
        "scoring", "check", sheet(interop_dir, "scoring_nfv.txt"), "--guideline", nfv, "--json"
    )
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 6
    assert set(rows[0]) == {
        "capability",
        "line",
        "computed_total",
        "sheet_total",
        "computed_star",
        "sheet_star",
        "matches",
    }
    bgpvpn = next(r for r in rows if r["capability"] == "networking-bgpvpn-bgpvpn-crud")
    assert bgpvpn == {
        "capability": "networking-bgpvpn-bgpvpn-crud",
        "line": 65,
        "computed_total": 0,  # Non-Admin 0: vetoed
        "sheet_total": 0,
        "computed_star": False,
        "sheet_star": False,
        "matches": True,
    }


def test_check_add_on_sheet_reports_every_row_with_its_line(run, interop_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = sheet(interop_dir, "scoring_orchestration.txt")
    result = run("scoring", "check", path, "--guideline", "orchestration.next")
    assert result.exit_code == 1
    assert f"{path}: line 16: stack-create: sheet [64] (no star), computed [66]*" in result.output
    assert result.output.count("sheet [64] (no star), computed [66]*") == 17
    assert "0/17 rows reproduce" in result.output
    rows = json.loads(
        run("scoring", "check", path, "--guideline", "orchestration.next", "--json").output
    )
    assert [r["line"] for r in rows if not r["matches"]] == list(range(16, 33))


def test_check_bad_input_is_one_line_exit_2(
    interop_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from refcore.cli import main

    monkeypatch.setenv("REFCORE_GUIDELINES", str(interop_dir))
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing scored here\n")
    for args, message in (
        ([str(tmp_path / "missing.txt"), "--guideline", "next"], "no such worksheet"),
        ([str(empty), "--guideline", "next"], "no scored rows"),
        ([sheet(interop_dir, "scoring.txt"), "--guideline", "2099.01"], "Guideline not found"),
        ([sheet(interop_dir, "scoring.txt"), "--guideline", "2015.03"], "no cutoff"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["scoring", "check", *args])
        assert exc.value.code == 2, args
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_suggest_flags_stale_achievements(run) -> None:  # type: ignore[no-untyped-def]
    result = run("scoring", "suggest", "--guideline", "2020.06", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    caps = {c["capability"]: c for c in data["capabilities"]}
    assert caps["compute-list-api-versions"]["differences"] == ["sticky"]
    assert caps["compute-servers-create"]["differences"] == []
    text = run("scoring", "suggest", "--guideline", "2020.06").output
    assert "46 of 79 capabilities differ" in text


def test_suggest_with_runs_and_usage(run, samples_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "0.json").write_bytes((samples_dir / "refstack-client" / "0.json").read_bytes())
    usage = tmp_path / "mist.yaml"
    usage.write_text("name: mist\nkind: client\ncapabilities: [compute-servers-create]\n")
    result = run(
        "scoring",
        "suggest",
        "--guideline",
        "2020.06",
        "--runs",
        str(runs),
        "--usage",
        str(usage),
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["criteria"] == ["deployed", "tools", "clients", "stable", "sticky"]
    cap = next(c for c in data["capabilities"] if c["capability"] == "compute-servers-create")
    assert cap["computed"]["deployed"]["value"] == "?"  # one cloud only
    assert cap["computed"]["clients"]["evidence"]["used_by"] == ["mist"]


def test_whatif(run, samples_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(samples_dir / "refstack-client" / "identity-2020.06.subunit")
    result = run("scoring", "whatif", "2019.11", "2020.06", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (row,) = data["runs"]
    assert row["meets_a"] is False and row["meets_b"] is False
    # 2019.11 and 2020.06 require the same tests: the misses are identical
    assert row["missing_a"] == row["missing_b"] and row["missing_b"]
    assert data["counts"]["never"] == 1


def test_guidelines_diff(run) -> None:  # type: ignore[no-untyped-def]
    result = run("guidelines", "diff", "2016.01", "2016.08", "--json")
    assert result.exit_code == 0
    counts = json.loads(result.output)["counts"]
    assert (counts["tests_added"], counts["tests_removed"], counts["tests_renamed"]) == (38, 38, 22)
    text = run("guidelines", "diff", "2019.11", "2020.06").output
    assert "heat / informational: guidance changed" in text


def test_guidelines_draft_writes_validates_and_diffs(
    run, tmp_path: Path, interop_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "2021.01.json"
    result = run(
        "guidelines",
        "draft",
        "--from",
        "next",
        "--scores",
        sheet(interop_dir, "scoring.txt"),
        "--id",
        "2021.01",
        "--out",
        str(out),
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["draft"]["issues"] == []
    assert data["diff"]["counts"]["status_changes"] == 23
    doc = json.loads(out.read_text())
    assert doc["metadata"]["os_trademark_approval"]["replaces"] == "2020.06"  # latest approved
    validate = run("guidelines", "validate", str(out))
    assert validate.exit_code == 0
    text = run(
        "guidelines",
        "draft",
        "--from",
        "next",
        "--scores",
        sheet(interop_dir, "scoring.txt"),
        "--id",
        "2021.01",
        "--out",
        str(out),
    ).output
    assert "validates against 2.0.json: yes" in text
    assert "volumes-v3-upload" in text
