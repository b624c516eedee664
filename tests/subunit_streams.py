"""Subunit v2 streams as Tempest writes them (python-subunit's own writer), for tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import subunit

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def stream(
    results: list[tuple[str, str]],
    *,
    tags: set[str] | None = None,
    reason: str = "boom",
    unfinished: tuple[str, ...] = (),
) -> bytes:
    """``[(test_id, status), ...]`` as a worker's stream: inprogress, then the final status
    (a traceback for failures, a reason for skips); ``unfinished`` ids start and never end."""
    out = io.BytesIO()
    w = subunit.StreamResultToBytes(out)
    t = T0
    for test_id, status in results:
        all_tags = {"worker-0"} | (tags or set())
        w.status(test_id=test_id, test_status="inprogress", test_tags=all_tags, timestamp=t)
        t += timedelta(seconds=1)
        if status in ("fail", "skip"):
            name = "traceback" if status == "fail" else "reason"
            w.status(
                test_id=test_id,
                file_name=name,
                file_bytes=(
                    f"Traceback...\nException: {reason}" if status == "fail" else reason
                ).encode(),
                mime_type="text/plain;charset=utf8",
                eof=True,
                test_tags=all_tags,
                timestamp=t,
            )
        w.status(test_id=test_id, test_status=status, test_tags=all_tags, timestamp=t)
    for test_id in unfinished:
        w.status(test_id=test_id, test_status="inprogress", test_tags={"worker-0"}, timestamp=t)
    return out.getvalue()
