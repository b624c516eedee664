"""``ACTIVITY``: background work waits for a quiet moment, and never forever."""

from __future__ import annotations

import threading

from refcore.server.routing import Activity


def test_waits_until_no_request_is_running() -> None:
    activity = Activity()
    returned = threading.Event()
    activity.__enter__()  # a request at a route
    waiter = threading.Thread(
        target=lambda: (activity.wait_quiet(quiet=0.0, patience=60), returned.set())
    )
    waiter.start()
    assert not returned.wait(0.2)  # still running: the background work waits
    activity.__exit__()
    waiter.join(timeout=30)
    assert returned.is_set()


def test_patience_ends_the_wait_while_requests_keep_running() -> None:
    activity = Activity()
    with activity:
        activity.wait_quiet(quiet=0.05, patience=0.01)  # returns although a request runs


def test_quiet_at_once_when_nothing_ran_for_a_while() -> None:
    activity = Activity()
    activity.wait_quiet(quiet=0.0, patience=60)


def test_a_stopped_preparer_takes_nothing_and_stops_with_a_full_queue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Shutdown never waits for the backlog: stop() returns although the queue is full."""
    from refcore.server.preparer import Preparer
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    db = Database.from_url(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(db.engine)
    busy = Activity()
    busy.__enter__()  # a request that never ends: the thread waits (1 s at most a step)
    from refcore.core.guidelines import GuidelineSet

    preparer = Preparer(db, FixedSource(GuidelineSet([])), backlog=2, activity=busy)
    for run_id in ("a", "b", "c", "d"):  # the third and fourth find the backlog full
        preparer.submit(run_id)
    preparer.stop()
    preparer.submit("e")  # after stop: ignored
    preparer.join()  # returns: stopped
    db.dispose()
