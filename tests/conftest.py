"""Fixtures shared by every test: where the real data lives, guidelines loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REFCORE_SHARED", ROOT.parent / "shared")).resolve()
INTEROP = SHARED / "interop"
SAMPLES = SHARED / "samples"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or write the developer's real cache."""
    os.environ["REFCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def interop_dir(shared_dir: Path) -> Path:
    return shared_dir / "interop"


@pytest.fixture(scope="session")
def samples_dir(shared_dir: Path) -> Path:
    return shared_dir / "samples"


@pytest.fixture(scope="session")
def guidelines(interop_dir: Path):  # type: ignore[no-untyped-def]
    """Every real guideline, loaded once for the session."""
    from refcore.sources import load_guidelines

    return load_guidelines(interop_dir, use_cache=False)


# -- databases and a live server (results server) ---------------------------------------------
# Every DB test runs on SQLite, and also on PostgreSQL when REFCORE_TEST_DATABASE_URL is set
# (each session gets fresh schemas there, dropped at the end).
DB_KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("REFCORE_TEST_DATABASE_URL") else [])


def _fresh_database(kind: str, name: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """(url, cleanup) of an empty database of ``kind``."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("db") / f"{name}.db"
        return f"sqlite:///{path}", lambda: None
    import secrets

    from sqlalchemy import create_engine, text

    base = os.environ["REFCORE_TEST_DATABASE_URL"]
    schema = f"refcore_{name}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"

    def cleanup() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return f"{base}{sep}options=-csearch_path%3D{schema}", cleanup


@pytest.fixture(scope="session", params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database(db_kind: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A migrated :class:`refcore.storage.db.Database` for service-level tests."""
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    url, cleanup = _fresh_database(db_kind, "unit", tmp_path_factory)
    db = Database.from_url(url)
    upgrade(db.engine)
    yield db
    db.dispose()
    cleanup()


@pytest.fixture
def db_session(database):  # type: ignore[no-untyped-def]
    """A Session inside a transaction rolled back after the test; the services'
    commits only release savepoints."""
    from sqlalchemy.orm import Session

    from refcore.storage.repositories import forget_interned

    with database.engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
            forget_interned()


class LiveServer:
    """A ``refcore serve`` subprocess on a loopback port, and its database."""

    def __init__(self, url: str, db_url: str, process) -> None:  # type: ignore[no-untyped-def]
        self.url = url
        self.db_url = db_url
        self.process = process
        self._db = None

    @property
    def db(self):  # type: ignore[no-untyped-def]
        if self._db is None:
            from refcore.storage.db import Database

            self._db = Database.from_url(self.db_url)
        return self._db

    def user(self, name: str, *, foundation: bool = False) -> str:
        """Create a user (a fresh name each call is the caller's job); return an API token."""
        from refcore.services import accounts

        with self.db.read() as session:
            user = accounts.create_user(session, name, foundation=foundation)
            return accounts.create_token(session, user)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, interop: Path, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Start ``refcore serve`` and wait until it answers; returns (process, base url)."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    exe = Path(sys.executable).with_name("refcore")
    cmd = [str(exe), "serve", "--port", str(port), "--db", db_url, "--guidelines", str(interop)]
    cmd += ["--no-access-log", "--log-level", "warning", *extra]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"refcore serve exited {process.returncode}: {err.decode()[-2000:]}")
        try:
            httpx.get(url + "/v1/guidelines", timeout=2)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("refcore serve did not start within 60 s")


def stop_server(process) -> None:  # type: ignore[no-untyped-def]
    process.terminate()
    try:
        process.communicate(timeout=20)
    except Exception:
        process.kill()
        process.communicate()


@pytest.fixture(scope="session")
def live_server(db_kind: str, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``refcore serve`` over real HTTP on a fresh database (SQLite, and PostgreSQL too)."""
    url, cleanup = _fresh_database(db_kind, "live", tmp_path_factory)
    process, base = start_server(url, interop_dir)
    server = LiveServer(base, url, process)
    yield server
    server.close()
    stop_server(process)
    cleanup()


@pytest.fixture
def http(live_server: LiveServer):  # type: ignore[no-untyped-def]
    import httpx

    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client
