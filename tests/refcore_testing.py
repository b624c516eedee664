"""Helpers the test modules share (a fresh database, a live ``refcore serve``).

Kept out of conftest.py so test modules can import them by a unique name
(``conftest`` is ambiguous when several directories have one).
"""

from __future__ import annotations

import email
import email.message
import email.policy
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def run_row(**values: object) -> dict[str, object]:
    """A plain ``runs`` row (no tests) for a Core insert: a new id, created now,
    anonymous and listed, nothing verified; ``values`` override any column."""
    import uuid

    from refcore.storage.models import utcnow

    row: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "cpid": None,
        "duration_seconds": None,
        "created_at": utcnow(),
        "owner_id": None,
        "shared": False,
        "listed": True,
        "verification_status": 0,
        "api": "v1",
        "format": "refstack-json",
        "test_count": 0,
        "passed_count": 0,
        "failed_count": 0,
        "skipped_count": 0,
    }
    row.update(values)
    return row


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

        # a write session (SQLite: BEGIN IMMEDIATE): the server may be writing at the same
        # time (reports prepared after an upload), and a read transaction that later writes
        # fails at once with "database is locked" whatever the busy timeout
        with self.db.session(write=True) as session:
            user = accounts.create_user(session, name, foundation=foundation)
            return accounts.create_token(session, user)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def free_port() -> int:

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, interop: Path, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Start ``refcore serve`` and wait until it answers; returns (process, base url)."""

    import httpx

    port = free_port()
    exe = Path(sys.executable).with_name("refcore")
    cmd = [str(exe), "serve", "--port", str(port), "--db", db_url, "--guidelines", str(interop)]
    cmd += ["--no-access-log", "--log-level", "warning", *extra]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts slowly
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
    _, err = process.communicate()  # reaps it and closes its pipes
    pytest.fail(f"refcore serve did not start within 120 s: {err.decode()[-2000:]}")


def stop_server(process) -> None:  # type: ignore[no-untyped-def]
    process.terminate()
    try:
        process.communicate(timeout=20)
    except Exception:
        process.kill()
        process.communicate()


class Inbox:
    """An aiosmtpd handler keeping every message it receives (parsed with
    ``email.policy.default``) with its recipients."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], email.message.EmailMessage]] = []

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [message for _, message in self.envelopes]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.envelopes.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 while the block runs:
    (the inbox it delivers to, its port)."""
    from aiosmtpd.controller import Controller

    inbox = inbox if inbox is not None else Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
