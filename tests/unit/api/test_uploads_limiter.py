"""The server's route class: ``def`` routes run in worker threads, ``@one_at_a_time`` ones
one at a time per event loop (a second loop gets its own limiter), and the sessions a route
was given are closed in its own worker thread, also when it raises."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.orm import Session

from refcore.errors import Forbidden
from refcore.server.errors import install_error_handlers
from refcore.server.routing import Route, one_at_a_time


def _in_a_thread(main):  # type: ignore[no-untyped-def]
    """``asyncio.run(main())`` in a thread of its own (whatever loop this thread runs)."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(main())))
    thread.start()
    thread.join()
    return out[0]


def _peak(serial: bool, calls: int = 4) -> int:
    """Send ``calls`` requests at once to a fresh app on a fresh loop; the most seen
    running together."""
    running = peak = 0
    lock = threading.Lock()
    router = APIRouter(route_class=Route)

    def work() -> dict[str, int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return {"ok": 1}

    router.post("/work")(one_at_a_time(work) if serial else work)
    app = FastAPI()
    app.include_router(router)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            answers = await asyncio.gather(*(client.post("/work") for _ in range(calls)))
        assert [a.json() for a in answers] == [{"ok": 1}] * calls

    _in_a_thread(main)
    return peak


def test_one_upload_at_a_time_on_each_loop() -> None:
    assert _peak(serial=True) == 1
    assert _peak(serial=True) == 1  # a new loop: its own limiter, no "other loop" error


def test_other_routes_run_side_by_side_in_workers() -> None:
    assert _peak(serial=False) > 1


def _write_session(request: Request) -> Session:
    return request.app.state.db.session(write=True)  # type: ignore[no-any-return]


def test_a_failing_route_closes_its_session_in_its_own_thread(database) -> None:  # type: ignore[no-untyped-def]
    """The session is rolled back and closed before the error leaves the worker: no
    transaction is left open for a teardown on the event loop."""
    seen: dict[str, object] = {}
    router = APIRouter(route_class=Route)

    def refuse(session: Annotated[Session, Depends(_write_session)]) -> None:
        session.execute(text("SELECT 1"))  # a transaction is open (SQLite: the write lock)
        seen["session"] = session
        seen["thread"] = threading.get_ident()
        original = session.close

        def close() -> None:
            seen["closed_in"] = threading.get_ident()
            original()

        session.close = close  # type: ignore[method-assign]
        raise Forbidden("not yours")

    router.delete("/thing")(refuse)
    app = FastAPI()
    app.state.db = database
    install_error_handlers(app)
    app.include_router(router)

    async def main() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return (await client.delete("/thing")).status_code

    assert _in_a_thread(main) == 403
    session = seen["session"]
    assert isinstance(session, Session) and not session.in_transaction()
    assert seen["closed_in"] == seen["thread"]
    # the lock is free: another writer gets in at once
    with database.write() as other:
        other.execute(text("SELECT 1"))
