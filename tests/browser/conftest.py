"""A real Chromium (Debian's, through Playwright) against ``refcore serve`` on a loopback port.

Skipped, with the reason, when /usr/bin/chromium or the playwright package is
missing; CI installs both (.ci/run). Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path(os.environ.get("REFCORE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"


def _in_this_package(item: pytest.Item) -> bool:
    return Path(__file__).parent in Path(str(item.fspath)).parents


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark the browser tests ``browser`` as they are collected, before ``-m`` selects:
    ``-m browser`` runs them, ``-m "not browser"`` leaves them out."""
    if _in_this_package(item):
        item.add_marker(pytest.mark.browser)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by parametrized fixtures
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, together. Playwright's sync API keeps an event loop
    running in the main thread while Chromium is open; pytest may otherwise move the
    PostgreSQL half of the parametrized server to the end of the session, and every test in
    between would run under that loop (``asyncio.run()`` fails there)."""
    browser = [item for item in items if _in_this_package(item)]
    if browser:
        chosen = {id(item) for item in browser}
        items[:] = [item for item in items if id(item) not in chosen] + browser


def _skip_reason() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


# Package scope: Playwright's sync API keeps an event loop in the main thread while it
# runs; it must be stopped before the other test packages run.
@pytest.fixture(scope="package")
def chromium():  # type: ignore[no-untyped-def]
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    db_url: str
    kind: str = "sqlite"

    def refcore(self, *args: str) -> str:
        """Run the ``refcore`` CLI against this server's database; its stdout."""
        exe = Path(sys.executable).with_name("refcore")
        done = subprocess.run(
            [str(exe), *args, "--db", self.db_url], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            pytest.fail(f"refcore {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout.strip()

    def user(self, name: str, *, foundation: bool = False) -> str:
        """``refcore admin create-user NAME --token``: the user's API token."""
        extra = ["--foundation"] if foundation else []
        return self.refcore("admin", "create-user", name, "--token", *extra)


# SQLite always; PostgreSQL too when REFCORE_TEST_DATABASE_URL is set (as everywhere)
DB_KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("REFCORE_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="package", params=DB_KINDS)
def server(
    request: pytest.FixtureRequest,
    chromium,  # type: ignore[no-untyped-def]
    interop_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """``refcore serve`` with a fresh database and development login on."""
    from refcore_testing import _fresh_database

    db_url, cleanup = _fresh_database(str(request.param), "browser", tmp_path_factory)
    port = _free_port()
    exe = Path(sys.executable).with_name("refcore")
    env = {**os.environ, "REFCORE_DEV_LOGIN": "1"}
    process = subprocess.Popen(
        [
            str(exe),
            "serve",
            "--port",
            str(port),
            "--db",
            db_url,
            "--guidelines",
            str(interop_dir),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts slowly
    while True:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"refcore serve exited {process.returncode}: {err.decode()[-2000:]}")
        try:
            if httpx.get(url + "/guidelines", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()  # reaps it and closes its pipes
            pytest.fail(f"refcore serve did not answer within 120 s: {err.decode()[-2000:]}")
        time.sleep(0.2)
    try:
        yield Server(url, db_url, str(request.param))
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        cleanup()


@pytest.fixture(scope="package")
def screenshots_root() -> Path:
    """The screenshot folder, emptied once per session."""
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture
def shots(screenshots_root: Path, server: Server) -> Path:
    """Screenshots of the run against one database: ``artifacts/screenshots/<kind>/``."""
    folder = screenshots_root / server.kind
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def new_page(chromium, server: Server):  # type: ignore[no-untyped-def]
    """``new_page(width=1280)``: a fresh browser context (no cookies) and its page."""
    contexts = []

    def make(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            viewport={"width": width, "height": height}, base_url=server.url
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
