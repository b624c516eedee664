"""Uploads run one at a time per event loop, and a second loop gets its own limiter."""

from __future__ import annotations

import asyncio
import threading
import time

from refcore.api.uploads import run_upload


def _overlap_of(calls: int) -> int:
    """Run ``calls`` uploads at once on a fresh loop; the most seen running together."""
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(run_upload(work) for _ in range(calls)))

    asyncio.run(main())
    return peak


def test_one_upload_at_a_time_on_each_loop() -> None:
    assert _overlap_of(4) == 1
    assert _overlap_of(4) == 1  # a new loop: its own limiter, no "other loop" error


def test_arguments_and_results_pass_through() -> None:
    async def main() -> int:
        return await run_upload(pow, 2, 10)

    assert asyncio.run(main()) == 1024
