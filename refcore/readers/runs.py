"""Read a test-run file from disk (or stdin) and parse it with :mod:`refcore.core.results`.

The domain core works on bytes; this module is the edge that does the I/O and turns
OS errors into :class:`~refcore.errors.ResultsParseError` messages naming the path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from refcore.core.results import parse_run
from refcore.core.runs import TestRun
from refcore.errors import ResultsParseError

__all__ = ["read_run"]

STDIN = "-"


def read_run(path: str | os.PathLike[str], *, format: str | None = None) -> TestRun:
    """Read and parse the run in ``path`` (``"-"`` reads standard input).

    ``format`` forces one of :data:`refcore.core.results.FORMATS`; None detects it.
    Raises :class:`ResultsParseError` for a missing or unreadable file and for input
    that is not a test run.
    """
    if os.fspath(path) == STDIN:
        return parse_run(_read_stdin(), source="<stdin>", format=format)
    source = os.fspath(path)
    return parse_run(_read_file(source), source=source, format=format)


def _read_file(source: str) -> bytes:
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise ResultsParseError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise ResultsParseError(f"{source}: is a directory, not a test-run file") from None
    except PermissionError:
        raise ResultsParseError(f"{source}: permission denied") from None
    except OSError as exc:
        raise ResultsParseError(f"{source}: cannot read: {exc.strerror or exc}") from None


def _read_stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise ResultsParseError("<stdin>: standard input is not available as bytes")
    try:
        data: bytes = stream.read()
    except OSError as exc:
        raise ResultsParseError(f"<stdin>: cannot read: {exc.strerror or exc}") from None
    return data
