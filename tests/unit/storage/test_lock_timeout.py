"""The lock timeout: per transaction, on SQLite (busy timeout) and PostgreSQL
(``lock_timeout``); a wait past it is :class:`DatabaseBusy`, never a driver error."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from refcore.errors import DatabaseBusy
from refcore.storage.db import DEFAULT_LOCK_TIMEOUT, Database


def _lock_runs(session) -> None:  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE"))
    else:
        session.execute(text("SELECT 1"))  # a write session: BEGIN IMMEDIATE took the lock


def test_a_wait_past_the_lock_timeout_is_database_busy(database: Database) -> None:
    quick = database.with_lock_timeout(0.3)
    with database.write() as holder:
        _lock_runs(holder)
        with pytest.raises(DatabaseBusy) as raised, quick.write() as waiter:
            waiter.execute(text("UPDATE runs SET shared = shared WHERE id = 'none'"))
    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "1"}
    assert "more than 0.3 s" in raised.value.message
    # the lock is free again: the same short timeout now gets in at once
    with quick.write() as session:
        session.execute(text("UPDATE runs SET shared = shared WHERE id = 'none'"))


def test_a_short_timeout_does_not_stay_on_a_pooled_connection(database: Database) -> None:
    """The busy timeout belongs to the SQLite connection: the next transaction on it, from a
    Database without a timeout (the CLI, migrations), waits the default again."""
    if database.engine.dialect.name != "sqlite":
        with database.with_lock_timeout(0.3).read() as session:
            assert session.execute(text("SHOW lock_timeout")).scalar() == "300ms"
        with database.read() as session:  # SET LOCAL: the next transaction has the server's
            assert session.execute(text("SHOW lock_timeout")).scalar() == "0"
        return
    short = database.with_lock_timeout(0.3)
    for _ in range(3):  # whichever pooled connection each session gets
        with short.read() as session:
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 300
        with database.read() as session:
            expected = int(DEFAULT_LOCK_TIMEOUT * 1000)
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == expected


def test_a_waiter_gets_the_lock_when_it_is_freed_in_time(database: Database) -> None:
    patient = database.with_lock_timeout(10)
    holder = database.session(write=True)
    _lock_runs(holder)
    released = threading.Timer(0.3, holder.rollback)
    released.start()
    try:
        with patient.write() as waiter:
            waiter.execute(text("UPDATE runs SET shared = shared WHERE id = 'none'"))
    finally:
        released.join()
        holder.close()
