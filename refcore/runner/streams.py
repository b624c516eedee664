"""Rewriting Tempest's subunit v2 streams: re-runs tagged as later attempts, and an
interrupted stream cut back to the tests that finished (for ``--resume``).

Both read the stream with python-subunit and write it again packet by packet
(attachments, timestamps and route codes as they came). Bytes that are no subunit,
and a last packet cut in half by an interruption, are dropped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import subunit
import testtools

from refcore.core.results import ATTEMPT_TAG, attempt_of

__all__ = ["FINAL", "chain_runs", "finished_tests", "keep_finished", "tag_attempt"]

#: subunit statuses that end a test
FINAL = frozenset({"success", "fail", "skip", "xfail", "uxsuccess"})


class _Rewrite(testtools.StreamResult):
    def __init__(
        self,
        out: io.BytesIO,
        keep: Callable[[str], bool],
        tags: frozenset[str] = frozenset(),
        shift: int = 0,
    ) -> None:
        super().__init__()
        self.writer = subunit.StreamResultToBytes(out)
        self.keep = keep
        self.tags = tags
        #: attempt N of this stream becomes attempt N + shift
        self.shift = shift

    def status(  # type: ignore[override]  # python-subunit calls it with keywords only
        self,
        test_id: str | None = None,
        test_status: str | None = None,
        test_tags: set[str] | None = None,
        timestamp: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        if test_id is None or test_id == "subunit.parser" or not self.keep(test_id):
            return
        tags = set(test_tags or ()) | self.tags if self.tags else test_tags
        if self.shift:
            attempt = attempt_of(tags or ()) + self.shift
            tags = {t for t in tags or () if not t.startswith(ATTEMPT_TAG)}
            tags.add(f"{ATTEMPT_TAG}{attempt}")
        self.writer.status(
            test_id=test_id,
            test_status=test_status,
            test_tags=tags or None,
            timestamp=timestamp,
            **kwargs,
        )


class _Finished(testtools.StreamResult):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def status(  # type: ignore[override]
        self, test_id: str | None = None, test_status: str | None = None, **_: Any
    ) -> None:
        if test_id and test_id != "subunit.parser" and test_status in FINAL:
            self.ids.add(test_id)


def _walk(data: bytes, result: testtools.StreamResult) -> None:
    result.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(data), non_subunit_name="stdout").run(result)
    result.stopTestRun()


def finished_tests(data: bytes) -> set[str]:
    """The test ids the stream gave a final status (a cut last packet is ignored)."""
    seen = _Finished()
    _walk(data, seen)
    return seen.ids


def keep_finished(data: bytes) -> bytes:
    """The stream with only the packets of tests that finished: what an interrupted run
    leaves behind for ``--resume`` (tests that were running are run again)."""
    done = finished_tests(data)
    out = io.BytesIO()
    _walk(data, _Rewrite(out, done.__contains__))
    return out.getvalue()


def tag_attempt(data: bytes, attempt: int) -> bytes:
    """The stream of a re-run with every packet tagged ``refcore-attempt-N``, so it can
    follow the first attempt in one file (see :mod:`refcore.core.reruns`)."""
    out = io.BytesIO()
    _walk(data, _Rewrite(out, lambda _id: True, frozenset({f"{ATTEMPT_TAG}{attempt}"})))
    return out.getvalue()


class _Attempts(testtools.StreamResult):
    def __init__(self) -> None:
        super().__init__()
        self.highest = 1

    def status(self, test_tags: set[str] | None = None, **_: Any) -> None:  # type: ignore[override]
        if test_tags:
            self.highest = max(self.highest, attempt_of(test_tags))


def chain_runs(streams: list[bytes]) -> bytes:
    """Several subunit v2 runs of one cloud as one stream, each later run's attempts
    numbered after the earlier ones' (a run with re-runs keeps them in order), so the
    merge rule of :mod:`refcore.core.reruns` applies when it is read."""
    out = io.BytesIO()
    shift = 0
    for data in streams:
        counter = _Attempts()
        _walk(data, counter)
        if shift == 0:
            out.write(data)
        else:
            _walk(data, _Rewrite(out, lambda _id: True, shift=shift))
        shift += counter.highest
    return out.getvalue()
