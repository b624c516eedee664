"""Engines and sessions for SQLite and PostgreSQL.

SQLite gets WAL (readers never wait for the writer), foreign keys, a busy
timeout, and write transactions that start with ``BEGIN IMMEDIATE``: a deferred
transaction that later tries to write can fail at once with "database is
locked" when another writer got there first, whatever the busy timeout; taking
the write lock up front makes concurrent uploaders queue instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from refcore.storage import limits as _limits  # noqa: F401  (the flush guard: same limits on every database)

__all__ = ["Database", "is_sqlite", "make_engine"]

_WRITE = "refcore_write"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine for ``url`` with the pragmas / pool refcore relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 60}}
        if not memory:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        engine = create_engine(url, echo=echo, **kwargs)
        _sqlite_events(engine, memory=memory)
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


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
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@dataclass
class Database:
    """An engine plus the two session factories the services use.

    ``read()`` sessions are for queries; ``write()`` sessions are one
    transaction that commits when the block ends without error and rolls
    back otherwise (on SQLite it holds the write lock from the start).
    """

    engine: Engine

    def __post_init__(self) -> None:
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

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
