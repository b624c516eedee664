"""Read evidence from disk for ``refcore scoring``: run directories and usage files."""

from __future__ import annotations

from pathlib import Path

from refcore.core.evidence import RunRecord
from refcore.core.usage import UsageDeclaration, loads_usage
from refcore.errors import ScoringError

_RUN_SUFFIXES = {".json", ".subunit", ".xml", ".txt", ".stream"}


def run_files(folder: str) -> list[str]:
    """The run files of a directory (sorted; hidden files skipped)."""
    files = sorted(
        str(p)
        for p in Path(folder).iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix in _RUN_SUFFIXES
    )
    if not files:
        raise ScoringError(f"{folder}: no run files (*.json, *.subunit, *.xml, *.txt)")
    return files


def read_run_records(folder: str) -> list[RunRecord]:
    """One record per run file: the cloud is the run's cpid (else the file's
    stem), the time is the file's modification time. The files are the working group's own
    evidence, so each counts as a verified product of a vendor of its own (its cloud)."""
    from refcore.readers.runs import read_run

    records = []
    for path in run_files(folder):
        run = read_run(path)
        passed = set()
        for r in run.passed():
            passed.add(r.name)
            if r.uuid:
                passed.add(r.uuid)
        cloud = run.cpid or Path(path).stem
        records.append(
            RunRecord(
                cloud, Path(path).stat().st_mtime, frozenset(passed), product=cloud, vendor=cloud
            )
        )
    return records


def read_usage(path: str) -> UsageDeclaration:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoringError(f"{path}: cannot read: {exc}") from None
    return loads_usage(text, source=path)
