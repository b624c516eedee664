"""The working group's loop on the real data (issue 19): draft "2021.01" from 2020.06 and the
real worksheet, edit it with the commands, and use the FILE wherever a guideline id goes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from refcore.cli import main

MISSING = "tempest.api.compute.servers.test_servers.ServersTestJSON.test_create_server_old_name"


@pytest.fixture()
def run(interop_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``refcore ARGS`` in-process, through the console script's entry point (so a
    RefcoreError is the one-line error and exit 2 a user sees)."""
    monkeypatch.setenv("REFCORE_GUIDELINES", str(interop_dir))
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(entry, list(args), catch_exceptions=False)

    return invoke


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def entry(args: tuple[str, ...]) -> None:
    main(list(args))


@pytest.fixture()
def draft(run: Any, interop_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    sheet = str(interop_dir / "working_materials" / "scoring.txt")
    result = run("guidelines", "draft", "--from", "2020.06", "--scores", sheet, "--id", "2021.01")
    assert result.exit_code == 0, result.output
    return tmp_path / "2021.01.json"


def doc(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def edit(run: Any, path: Path, *args: str) -> Any:
    return run("guidelines", "edit", "--date", "2026-12-01", str(path), *args)


def test_draft_rolls_releases_forward(draft: Path) -> None:
    approval = doc(draft)["metadata"]["os_trademark_approval"]
    assert approval["releases"] == ["train", "ussuri", "victoria", "wallaby"]
    assert approval["replaces"] == "2020.06"


def test_edits_keep_the_file_valid_and_record_why(run: Any, draft: Path) -> None:
    test = "tempest.api.compute.servers.test_servers_negative.ServersNegativeTestJSON.test_server_name_blank"
    r = edit(run, draft, "flag-test", "compute-servers-name", test, "--reason", "D401 flaky")
    assert r.exit_code == 0, r.output
    assert "diff against 2020.06" in r.output
    body = doc(draft)["capabilities"]["compute-servers-name"]["tests"][test]
    assert body["flagged"]["reason"] == "D401 flaky" and body["flagged"]["date"] == "2026-12-01"

    r = edit(run, draft, "set-status", "compute-servers-name", "advisory", "--reason", "flagged")
    assert r.exit_code == 0, r.output
    comp = doc(draft)["components"]["os_powered_compute"]["capabilities"]
    assert "compute-servers-name" in comp["advisory"]
    assert "compute-servers-name" not in comp["required"]
    assert "compute-servers-name" in r.output  # the diff shows the move

    r = edit(run, draft, "set-releases", "--reason", "one more cycle")
    assert doc(draft)["metadata"]["os_trademark_approval"]["releases"] == [
        "ussuri",
        "victoria",
        "wallaby",
        "xena",
    ]
    changes = doc(draft)["metadata"]["changes"]
    assert [c["change"] for c in changes] == ["flag test", "set status", "set releases"]
    assert changes[1]["before"] == "required" and changes[1]["after"] == "advisory"
    # the edited draft still validates against the published schema
    r = run("guidelines", "validate", str(draft))
    assert r.exit_code == 0, r.output


def test_weights_must_sum_to_100(run: Any, draft: Path) -> None:
    before = draft.read_text()
    r = edit(run, draft, "set-scoring", "deployed=30", "--reason", "more weight")
    assert r.exit_code == 2
    assert "the weights sum to 122, not 100" in r.output
    assert draft.read_text() == before  # nothing written
    r = edit(run, draft, "set-scoring", "deployed=0", "clients=18", "--reason", "x")
    assert r.exit_code == 0, r.output


def test_a_bad_edit_is_one_line_and_changes_nothing(run: Any, draft: Path) -> None:
    before = draft.read_text()
    r = edit(run, draft, "flag-test", "no-such-capability", "t", "--reason", "x")
    assert r.exit_code == 2 and "no capability 'no-such-capability'" in r.output
    r = edit(run, draft, "set-releases", "stein", "nonsense", "--reason", "x")
    assert r.exit_code == 2 and "unknown OpenStack release 'nonsense'" in r.output
    assert draft.read_text() == before


def test_the_file_is_accepted_wherever_an_id_is(
    run: Any, draft: Path, interop_dir: Path, samples_dir: Path
) -> None:
    subunit = str(samples_dir / "refstack-client" / "identity-2020.06.subunit")
    sheet = str(interop_dir / "working_materials" / "scoring.txt")
    profile = str(Path(__file__).parents[2] / "examples" / "advisory-cases" / "bananacloud.yaml")
    f = str(draft)
    for args, ok in [
        (("report", subunit, "--guideline", f, "--target", "platform"), (0, 1)),
        (("guidelines", "show", f, "--json"), (0,)),
        (("guidelines", "tests", f, "--target", "object"), (0,)),
        (("guidelines", "diff", "2020.06", f), (0,)),
        (("guidelines", "validate", f), (0,)),
        (("scoring", "check", sheet, "--guideline", f), (0, 1)),
        (("scoring", "suggest", "--guideline", f), (0,)),
        (("scoring", "whatif", "2020.06", f, subunit, "--target", "platform"), (0,)),
        (("verdict", profile, "--guideline", f), (0, 1)),
    ]:
        r = run(*args)
        assert r.exit_code in ok, (args, r.output)
        assert "Guideline not found" not in r.output
    r = run("guidelines", "show", "./nope.json")
    assert r.exit_code == 2 and "Guideline not found: ./nope.json (no such file either)" in r.output


def test_readiness_fails_on_a_missing_test_and_passes_once_aliased(
    run: Any, draft: Path, samples_dir: Path
) -> None:
    listing = str(samples_dir / "tempest" / "tempest-47.0.0-list.txt")
    # a required capability below the cut-off needs its reason recorded to be ready
    first = run("guidelines", "ready", str(draft), "--tempest-list", listing, "--json")
    below = [b["capability"] for b in json.loads(first.output)["below_cutoff"]]
    for cap in below:
        r = edit(run, draft, "set-status", cap, "required", "--reason", "kept: interop WG vote")
        assert r.exit_code == 0, r.output
    assert run("guidelines", "ready", str(draft), "--tempest-list", listing).exit_code == 0

    # a test under a name Tempest 47 does not have, with an id it does not know either
    r = edit(
        run,
        draft,
        "add-test",
        "compute-servers-list",
        MISSING,
        "--idempotent-id",
        "id-00000000-0000-4000-8000-000000000001",
        "--reason",
        "new test",
    )
    assert r.exit_code == 0, r.output
    r = run("guidelines", "ready", str(draft), "--tempest-list", listing, "--json")
    assert r.exit_code == 1
    assert {"capability": "compute-servers-list", "test": MISSING} in json.loads(r.output)[
        "missing"
    ]

    real = next(
        line.split("[")[0]
        for line in Path(listing).read_text().splitlines()
        if line.startswith("tempest.api.compute.servers.test_list_servers_negative")
    )
    r = edit(run, draft, "add-alias", "compute-servers-list", MISSING, real, "--reason", "renamed")
    assert r.exit_code == 0, r.output
    r = run("guidelines", "ready", str(draft), "--tempest-list", listing, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["missing"] == []
