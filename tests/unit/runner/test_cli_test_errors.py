"""`refcore test` bad input: one clear line on stderr, exit 2, nothing started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from refcore.cli import main


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, interop_dir: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("REFCORE_GUIDELINES", str(interop_dir))
    monkeypatch.setenv("OS_AUTH_URL", f"http://127.0.0.1:{_closed_port()}/v3")
    monkeypatch.setenv("OS_USERNAME", "admin")
    monkeypatch.setenv("OS_PASSWORD", "pw")
    monkeypatch.setenv("OS_PROJECT_NAME", "admin")
    for name in ("OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "REFCORE_TEMPEST"):
        monkeypatch.delenv(name, raising=False)
    tempest = tmp_path / "bin" / "tempest"
    tempest.parent.mkdir()
    tempest.write_text("#!/bin/sh\nexit 1\n")
    tempest.chmod(0o755)
    return tempest


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["test", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_unknown_guideline(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "1999.01" in _run(capsys, "--guideline", "1999.01", "--target", "object")


def test_unknown_target(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "nosuch" in _run(capsys, "--guideline", "2020.06", "--target", "nosuch")


def test_unreachable_cloud(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _run(
        capsys,
        *("--guideline", "2020.06", "--target", "object", "--tempest", str(env)),
        *("--workspace", str(tmp_path / "ws")),
    )
    assert "is unreachable" in err
    assert not (tmp_path / "ws").exists()


def test_missing_tempest(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    err = _run(
        capsys,
        *("--guideline", "2020.06", "--target", "object"),
        *("--workspace", str(tmp_path / "ws")),
    )
    assert "Tempest is not installed" in err
    err = _run(
        capsys,
        *("--guideline", "2020.06", "--target", "object", "--tempest", str(tmp_path / "nope")),
    )
    assert "no tempest executable" in err


def test_bad_clouds_entry(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _run(
        capsys,
        *("--guideline", "2020.06", "--target", "object", "--cloud", "no-such-cloud"),
    )
    assert "cloud 'no-such-cloud' not found" in err


def test_bad_resume_directory(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before the cloud is asked anything (its Keystone here does not answer)."""
    base = ("--guideline", "2020.06", "--target", "object", "--tempest", str(env))
    not_a_run = tmp_path / "somewhere"
    not_a_run.mkdir()
    assert "not a refcore run directory" in _run(capsys, *base, "--resume", str(not_a_run))
    run_dir = tmp_path / "ws" / "runs" / "20261203T000000Z"
    run_dir.mkdir(parents=True)
    (run_dir / "load-list.txt").write_text("tempest.api.a.B.test_c\n")
    (run_dir / "plan.json").write_text(
        '{"guideline": "2020.06", "target": "platform", "state": "interrupted"}'
    )
    assert "is a run of 2020.06/platform, not 2020.06/object" in _run(
        capsys, *base, "--resume", str(run_dir)
    )
    (run_dir / "plan.json").write_text(
        '{"guideline": "2020.06", "target": "object", "state": "done"}'
    )
    assert "nothing to resume" in _run(capsys, *base, "--resume", str(run_dir))


def test_bad_selection_and_override_files(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--guideline", "2020.06", "--target", "object", "--tempest", str(env))
    override = tmp_path / "override.ini"
    override.write_text("no section = here\n")
    assert "not an ini file" in _run(capsys, *base, "--tempest-conf-override", str(override))
    assert "cannot read" in _run(capsys, *base, "--tests", str(tmp_path / "missing.txt"))
    with pytest.raises(SystemExit) as exc:  # click's own usage error
        main(["test", *base, "--rerun-failed", "11"])
    assert exc.value.code == 2
    assert "'--rerun-failed': 11 is not in the range 0<=x<=10" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["test", *base, "--rerun-delay", "-1"])
    assert exc.value.code == 2
    assert "'--rerun-delay': -1 is not in the range 0<=x<=3600" in capsys.readouterr().err
