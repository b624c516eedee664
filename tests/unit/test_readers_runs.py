"""refcore.readers.runs: reading run files from disk and stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from refcore.errors import ResultsParseError
from refcore.readers.runs import read_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def refstack_samples() -> Path:
    """``shared/samples/refstack-client`` beside the repository root."""
    samples = (REPO / ".." / "shared" / "samples" / "refstack-client").resolve()
    assert samples.is_dir(), f"samples not found at {samples}"
    return samples


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("identity-2020.06.subunit", "subunit2", 2),
        ("0.subunit", "subunit1", 2),
        ("0.json", "refstack-json", 2),
        ("upload-body.json", "refstack-json", 58),
        ("test-list.txt", "passed-list", 3),
    ],
)
def test_read_samples(refstack_samples: Path, name: str, fmt: str, count: int) -> None:
    path = refstack_samples / name
    for given in (path, str(path)):
        run = read_run(given)
        assert (run.format, len(run), run.source) == (fmt, count, str(path))


def test_forced_format(refstack_samples: Path) -> None:
    run = read_run(refstack_samples / "test-list.txt", format="passed-list")
    assert run.format == "passed-list"
    with pytest.raises(ResultsParseError, match="test-list.txt: invalid JSON"):
        read_run(refstack_samples / "test-list.txt", format="refstack-json")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.subunit"
    with pytest.raises(ResultsParseError, match=f"^{path}: no such file$"):
        read_run(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ResultsParseError, match=f"^{tmp_path}: is a directory"):
        read_run(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.subunit"
    path.write_bytes(b"tempest.a.b\n")
    path.chmod(0)
    with pytest.raises(ResultsParseError, match=f"^{path}: permission denied$"):
        read_run(path)


def test_empty_and_garbage_files_name_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty.subunit"
    empty.write_bytes(b"")
    with pytest.raises(ResultsParseError, match=f"^{empty}: empty input"):
        read_run(empty)
    garbage = tmp_path / "run.bin"
    garbage.write_bytes(b"\x00\x01garbage\xff")
    with pytest.raises(ResultsParseError, match=f"^{garbage}: not a test run"):
        read_run(garbage)


_STDIN_SCRIPT = """
from refcore.errors import ResultsParseError
from refcore.readers.runs import read_run
try:
    run = read_run("-")
except ResultsParseError as exc:
    print("error", exc)
else:
    print(run.format, len(run), run.source, sorted(run.counts().items()))
"""


def _read_via_stdin(data: bytes) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _STDIN_SCRIPT],
        input=data,
        capture_output=True,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    return done.stdout.decode().strip()


def test_dash_reads_stdin(refstack_samples: Path) -> None:
    data = (refstack_samples / "identity-2020.06.subunit").read_bytes()
    assert _read_via_stdin(data) == (
        "subunit2 2 <stdin> [('error', 0), ('fail', 0), ('pass', 2), ('skip', 0)]"
    )
    assert _read_via_stdin(b"") == "error <stdin>: empty input; expected subunit v1/v2, " + (
        "RefStack JSON, JUnit XML or a list of test ids"
    )
