"""Engines and sessions for SQLite and PostgreSQL.

SQLite gets WAL (readers never wait for the writer), foreign keys, a busy
timeout, and write transactions that start with ``BEGIN IMMEDIATE``: a deferred
transaction that later tries to write can fail at once with "database is
locked" when another writer got there first, whatever the busy timeout; taking
the write lock up front makes concurrent uploaders queue instead.

How long a statement waits for a lock is the *lock timeout*: SQLite's busy timeout,
PostgreSQL's ``lock_timeout``, set per transaction. It is 60 s unless the
:class:`Database` says otherwise (the server gives its requests a short one, see
``Settings.lock_timeout_seconds``); a wait past it raises
:class:`~refcore.errors.DatabaseBusy` on both databases, never a bare driver error.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from refcore.errors import DatabaseBusy
from refcore.storage import limits as _limits  # noqa: F401  (the flush guard: same limits on every database)

__all__ = ["DEFAULT_LOCK_TIMEOUT", "Database", "is_sqlite", "make_engine"]

_WRITE = "refcore_write"
_LOCK_TIMEOUT = "refcore_lock_timeout"
#: seconds a statement waits for a lock when nobody asked for less (the CLI, migrations)
DEFAULT_LOCK_TIMEOUT = 60.0
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_LOCK_NOT_AVAILABLE = "55P03"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine for ``url`` with the pragmas / pool refcore relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        timeout = DEFAULT_LOCK_TIMEOUT
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": timeout}}
        if not memory:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        engine = create_engine(url, echo=echo, **kwargs)
        _sqlite_events(engine, memory=memory)
    else:
        engine = create_engine(
            url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        _postgresql_events(engine)
    _busy_events(engine)
    return engine


def _lock_timeout(conn: Any) -> float | None:
    value = conn.get_execution_options().get(_LOCK_TIMEOUT)
    return None if value is None else float(value)


def _sqlite_events(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the sqlite3 module, decide when transactions begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(DEFAULT_LOCK_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # the busy timeout belongs to the connection: set it for this transaction when the
        # last one that used the connection wanted another
        wanted = _lock_timeout(conn)
        busy_ms = int((DEFAULT_LOCK_TIMEOUT if wanted is None else wanted) * 1000)
        info = conn.connection.info
        if info.get(_LOCK_TIMEOUT, int(DEFAULT_LOCK_TIMEOUT * 1000)) != busy_ms:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            info[_LOCK_TIMEOUT] = busy_ms
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgresql_events(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        wanted = _lock_timeout(conn)
        if wanted is not None:  # for this transaction only
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(wanted * 1000))}")


def _busy_events(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = context.original_exception
        busy = (
            getattr(error, "sqlite_errorcode", None) in (_SQLITE_BUSY, _SQLITE_LOCKED)
            or getattr(error, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE
        )
        if not busy:
            return
        options = context.connection.get_execution_options() if context.connection else {}
        waited = options.get(_LOCK_TIMEOUT)
        seconds = DEFAULT_LOCK_TIMEOUT if waited is None else float(waited)
        raise DatabaseBusy(
            "The database is busy: another request held a lock for more than "
            f"{seconds:g} s. Nothing was changed; try again in a moment.",
            retry_after=math.ceil(seconds),
        )


@dataclass
class Database:
    """An engine plus the two session factories the services use.

    ``read()`` sessions are for queries; ``write()`` sessions are one
    transaction that commits when the block ends without error and rolls
    back otherwise (on SQLite it holds the write lock from the start).
    Every session's transactions wait at most ``lock_timeout`` seconds for a lock
    (None: :data:`DEFAULT_LOCK_TIMEOUT`), then raise :class:`~refcore.errors.DatabaseBusy`.
    """

    engine: Engine
    lock_timeout: float | None = None

    def __post_init__(self) -> None:
        options: dict[str, Any] = {}
        if self.lock_timeout is not None:
            options[_LOCK_TIMEOUT] = self.lock_timeout
        self._reader = sessionmaker(
            self.engine.execution_options(**options), expire_on_commit=False
        )
        self._writer = sessionmaker(
            self.engine.execution_options(**options, **{_WRITE: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    def with_lock_timeout(self, seconds: float | None) -> Database:
        """The same engine (and pool), with sessions that wait at most ``seconds`` for a lock."""
        return Database(self.engine, lock_timeout=seconds)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def session(self, *, write: bool = False) -> Session:
        """A new session; the caller commits/closes it."""
        return (self._writer if write else self._reader)()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
