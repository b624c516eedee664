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
    from refcore.readers.guidelines import load_guidelines

    return load_guidelines(interop_dir, use_cache=False)


# -- databases and a live server (results server) ---------------------------------------------
# Every DB test runs on SQLite, and also on PostgreSQL when REFCORE_TEST_DATABASE_URL is set
# (each session gets fresh schemas there, dropped at the end).
from refcore_testing import LiveServer, _fresh_database, free_port, start_server, stop_server  # noqa: E402,F401

DB_KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("REFCORE_TEST_DATABASE_URL") else [])


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
