"""Where uploads run: off the event loop, one at a time per server process.

Storing an upload is CPU work under the GIL (parse, validate, intern, pack) plus one
short write transaction. Run side by side in one process, uploads only take turns at
the GIL and, on SQLite, at the write lock, and each costs about half as much CPU again
as it does alone (measured with ``bench/server.py``). One at a time per process, they
overlap with the event loop's own work (reading the next body) and scale with
``refcore serve --workers``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

__all__ = ["run_upload"]

P = ParamSpec("P")
T = TypeVar("T")

# one limiter per event loop (a limiter belongs to the loop it was first used in; tests
# and embedders may run several apps on several loops in one process)
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(1)
    return limiter


async def run_upload(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread, one upload at a time."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=_limiter())
