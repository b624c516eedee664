"""Uploads run one at a time per event loop, and a second loop gets its own limiter."""

from __future__ import annotations

import asyncio
import threading
import time

from refcore.server.api.uploads import run_upload


def _in_a_thread(main):  # type: ignore[no-untyped-def]
    """``asyncio.run(main())`` in a thread of its own (whatever loop this thread runs)."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(main())))
    thread.start()
    thread.join()
    return out[0]


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

    _in_a_thread(main)
    return peak


def test_one_upload_at_a_time_on_each_loop() -> None:
    assert _overlap_of(4) == 1
    assert _overlap_of(4) == 1  # a new loop: its own limiter, no "other loop" error


def test_arguments_and_results_pass_through() -> None:
    async def main() -> int:
        return await run_upload(pow, 2, 10)

    assert _in_a_thread(main) == 1024
