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
