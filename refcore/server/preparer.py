"""After an upload: the first view of the run's report prepared off the request path.

An upload route, once its run is committed, hands the run's id to the app's
:class:`Preparer`; its one thread per server process calls
:func:`refcore.services.reports.prepare`, which stores what the report page's first view
reads, so that view costs what the second does. The thread works only in quiet
moments: before each step (one guideline's evaluation, about a millisecond) it waits
until no request has been at a route of its process for :data:`QUIET` seconds
(:data:`refcore.server.routing.ACTIVITY`), or :data:`PATIENCE` seconds at most, so a
burst of uploads is not slowed by it (a run's preparation costs more CPU than its
upload) and is caught up after; a report viewed before that is computed on its view.

What it does not get to (a restart with ids still queued, more than ``backlog`` waiting,
a database busy past the lock timeout) is computed on the first read, as before: the
stored reports are a cache, never the only copy of anything. ``Settings.prepare_reports``
turns it off.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading

from refcore.errors import RefcoreError
from refcore.server.routing import ACTIVITY, Activity
from refcore.services import reports
from refcore.services.guidelines import GuidelineSource
from refcore.storage.db import Database

__all__ = ["Preparer"]

log = logging.getLogger("refcore.server.preparer")

#: seconds without a request that make a quiet moment (4 clients uploading without a
#: pause left 50 ms gaps often enough that preparation took a quarter of the CPU)
QUIET = 0.2
#: the longest a step waits for one: under a sustained burst, a step every 10 s
PATIENCE = 10.0


class Preparer:
    """A queue of run ids and the thread that prepares their reports."""

    def __init__(
        self,
        db: Database,
        source: GuidelineSource,
        *,
        enabled: bool = True,
        backlog: int = 10_000,
        activity: Activity = ACTIVITY,
    ) -> None:
        self.db, self.source, self.enabled = db, source, enabled
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=backlog)
        self._activity = activity
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._stopping = threading.Event()

    def submit(self, run_id: str) -> None:
        """Prepare ``run_id``'s first view later (never blocks; dropped when the backlog
        is full: its first view then computes it)."""
        if not self.enabled or self._stopping.is_set():
            return
        try:
            self._queue.put_nowait(run_id)
        except queue.Full:
            log.info("report preparation backlog full: run %s is computed on first view", run_id)
            return
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="refcore-preparer", daemon=True
                )
                self._thread.start()

    def join(self) -> None:
        """Wait until every submitted run has been prepared (tests, benchmarks; not after
        :meth:`stop`, which leaves the rest of the queue)."""
        if not self._stopping.is_set():
            self._queue.join()

    def stop(self) -> None:
        """End the thread after the run it is on (the app's shutdown); what is still
        queued is left to the first views."""
        self._stopping.set()
        with self._start:
            thread = self._thread
        if thread is not None and thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)  # wakes it if it waits for work
            thread.join(timeout=10)

    def _pause(self) -> None:
        self._activity.wait_quiet(quiet=QUIET, patience=PATIENCE)

    def _work(self) -> None:
        while True:
            run_id = self._queue.get()
            try:
                if run_id is None or self._stopping.is_set():
                    return
                self._pause()
                with self.db.read() as session:
                    reports.prepare(session, run_id, self.source, pause=self._pause)
            except RefcoreError as exc:  # busy database, guidelines unavailable: first view
                log.info("report of run %s not prepared: %s", run_id, exc)
            except Exception:  # never let one run end the thread
                log.exception("report of run %s not prepared", run_id)
            finally:
                self._queue.task_done()
