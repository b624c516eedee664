"""How every route of the server runs: the event loop only moves bytes.

Every router of the server is ``APIRouter(route_class=Route)`` (a test checks), and:

* A route written as a plain ``def`` runs in a worker thread, as FastAPI would run it,
  but :class:`Route` runs it there itself: in that same thread, once the route has
  returned *or raised*, the database sessions it was given are closed (a rollback when a
  transaction is still open). A failed request so never keeps a lock (SQLite's
  ``BEGIN IMMEDIATE``, PostgreSQL's row locks) until a teardown that needs the event
  loop, and a busy loop can never hold up a rollback.
* Every route that touches the database, parses a body or computes anything is a plain
  ``def`` (``tests/test_architecture.py`` refuses an ``async def`` route that takes a
  session or the database). Bodies arrive as bytes (:data:`BodyDep`, read on the loop,
  which is only waiting for the network) and are parsed in the route, in the worker.
* ``@one_at_a_time``: uploads. Storing one is CPU work under the GIL (parse, validate,
  intern, pack) plus one short write transaction; run side by side in one process they
  only take turns at the GIL and, on SQLite, at the write lock, and each costs about half
  as much CPU again as alone (``bench/server.py``). One at a time per process (a limiter
  per event loop), they overlap with the loop's own work and scale with
  ``refcore serve --workers``.
* ``@body_limit("max_usage_bytes")``: the route's own cap on its request body, a
  setting below ``max_body_bytes``: a declared ``Content-Length`` over it is a 413 before
  anything is read, a chunked body is counted as it arrives (:mod:`refcore.server.limits`),
  forms included (FastAPI parses them before any dependency runs).
* :data:`ACTIVITY` counts the requests at a ``def`` route (waiting for the upload limiter
  or running), so background work (:mod:`refcore.server.preparer`) can wait for a
  quiet moment instead of taking turns at the GIL with them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import time
import weakref
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from refcore.server.limits import lower_body_limit

__all__ = [
    "ACTIVITY",
    "Activity",
    "BodyDep",
    "Route",
    "body_limit",
    "checks_json_itself",
    "json_checked_by_route",
    "one_at_a_time",
    "upload_limiter",
]

F = TypeVar("F", bound=Callable[..., Any])

_BODY_LIMIT = "__refcore_body_limit__"
_ONE_AT_A_TIME = "__refcore_one_at_a_time__"
_OWN_JSON_CHECK = "__refcore_checks_json_itself__"


def body_limit(setting: str) -> Callable[[F], F]:
    """Cap the route's request body at the value of ``Settings.<setting>`` (bytes)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _BODY_LIMIT, setting)
        return endpoint

    return mark


def one_at_a_time(endpoint: F) -> F:
    """Run the route in the worker one request at a time per process (uploads)."""
    setattr(endpoint, _ONE_AT_A_TIME, True)
    return endpoint


def checks_json_itself(endpoint: F) -> F:
    """The route's service refuses a bad JSON body itself, with the same words
    (:func:`refcore.services.fields.json_problem`): the app-wide check
    (:mod:`refcore.server.inputs`) leaves the body to it rather than scan it twice."""
    setattr(endpoint, _OWN_JSON_CHECK, True)
    return endpoint


def json_checked_by_route(request: Request) -> bool:
    """Whether the request's route checks its JSON body itself (see above)."""
    return bool(getattr(request.scope.get("endpoint"), _OWN_JSON_CHECK, False))


# one limiter per event loop (a limiter belongs to the loop it was first used in; tests
# and embedders may run several apps on several loops in one process)
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def upload_limiter() -> CapacityLimiter:
    """The running loop's one-at-a-time limiter of ``@one_at_a_time`` routes."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(1)
    return limiter


class Activity:
    """How many requests are at a ``def`` route of this process, and waiting for none."""

    def __init__(self) -> None:
        self._running = 0
        self._since = time.monotonic()  # when the last one ended
        self._changed = threading.Condition()

    def __enter__(self) -> None:
        with self._changed:
            self._running += 1

    def __exit__(self, *_: object) -> None:
        with self._changed:
            self._running -= 1
            if not self._running:
                self._since = time.monotonic()
                self._changed.notify_all()

    def wait_quiet(self, quiet: float = 0.05, patience: float = 1.0) -> None:
        """Return once no request has been at a route for ``quiet`` seconds, or after
        ``patience`` seconds whatever happens (background work never starves; one step
        of it at a time then takes its turn)."""
        deadline = time.monotonic() + patience
        with self._changed:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if not self._running:
                    left = self._since + quiet - now
                    if left <= 0:
                        return
                    self._changed.wait(min(left, deadline - now))
                else:
                    self._changed.wait(deadline - now)


#: the requests of this process at a ``def`` route
ACTIVITY = Activity()


def _is_async(endpoint: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(endpoint) or inspect.isasyncgenfunction(endpoint)


def _in_worker(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine that calls it in a worker thread and closes, in that
    thread, every session it was given, however it ended."""
    serial = bool(getattr(endpoint, _ONE_AT_A_TIME, False))

    def call(kwargs: dict[str, Any]) -> Any:
        try:
            return endpoint(**kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()  # rolls back what is still open, returns the connection

    @functools.wraps(endpoint)  # FastAPI reads the parameters of the wrapped function
    async def run(**kwargs: Any) -> Any:
        limiter = upload_limiter() if serial else None
        with ACTIVITY:
            return await anyio.to_thread.run_sync(call, kwargs, limiter=limiter)

    return run


class Route(APIRoute):
    """The server's route class (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.body_limit: str | None = getattr(endpoint, _BODY_LIMIT, None)
        if not _is_async(endpoint) and not inspect.isgeneratorfunction(endpoint):
            endpoint = _in_worker(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()
        setting = self.body_limit
        if setting is None:
            return handler

        async def limited(request: Request) -> Response:
            settings = request.app.state.refcore.settings
            lower_body_limit(request.scope, int(getattr(settings, setting)))
            return await handler(request)

        return limited


async def _body(request: Request) -> bytes:
    # waiting for the network is the loop's job; the route parses the bytes in its worker
    return await request.body()


#: the request body as bytes, for a route to parse in its worker thread
BodyDep = Annotated[bytes, Depends(_body)]
