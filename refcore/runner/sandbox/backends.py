"""The machine's own servers the sandbox uses and never starts: MariaDB or PostgreSQL
(one database per service, named after the sandbox's directory) and RabbitMQ (a vhost of
the sandbox's own, so ``down --purge`` leaves no queues behind).

Each is probed by its own protocol's greeting, so a port that answers something else is
told apart from the real server. Keystone on SQLite is the fallback when neither database
answers; it then runs one writer (SQLite under parallel writers answers ``database is
locked``). The compute services need a server database.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from refcore.errors import RunnerError

from .ports import HOST

__all__ = [
    "Database",
    "choose_database",
    "probe_mariadb",
    "probe_postgresql",
    "probe_rabbitmq",
    "rabbit_vhost",
]

KINDS = ("mariadb", "postgresql", "sqlite")
LABELS = {"mariadb": "MariaDB", "postgresql": "PostgreSQL", "sqlite": "SQLite"}


class Unavailable(Exception):
    """A backend that does not answer as it should (the message says how)."""


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise Unavailable("closed the connection")
        data += chunk
    return data


def probe_mariadb(port: int, host: str = HOST, timeout: float = 3.0) -> str:
    """The server version from MariaDB's (MySQL protocol) greeting."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            header = _recv_exact(sock, 4)
            length = int.from_bytes(header[:3], "little")
            payload = _recv_exact(sock, length)
    except OSError as exc:
        raise Unavailable(exc.strerror or str(exc)) from None
    if payload[:1] == b"\xff":
        message = payload[9:].decode(errors="replace") if len(payload) > 9 else ""
        raise Unavailable(f"refused: {message or 'error packet'}")
    if payload[:1] != b"\x0a" or b"\x00" not in payload[1:]:
        raise Unavailable("answered, but not with a MySQL/MariaDB greeting")
    version = payload[1 : payload.index(b"\x00", 1)].decode(errors="replace")
    return version.removeprefix("5.5.5-")  # MariaDB's compatibility prefix


def probe_postgresql(port: int, host: str = HOST, timeout: float = 3.0) -> str:
    """The server version, after a real login as ``postgres`` (trust auth)."""
    import psycopg

    try:
        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", connect_timeout=int(timeout)
        ) as conn:
            version = conn.info.server_version
    except psycopg.Error as exc:
        raise Unavailable(" ".join(str(exc).split())[:200]) from None
    return f"{version // 10000}.{version % 10000}"


def probe_rabbitmq(port: int, host: str = HOST, timeout: float = 3.0) -> str:
    """The server's product and version from AMQP 0-9-1's ``connection.start``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            kind, _channel, size = struct.unpack(">BHI", _recv_exact(sock, 7))
            payload = _recv_exact(sock, size)
    except OSError as exc:
        raise Unavailable(exc.strerror or str(exc)) from None
    except struct.error:
        raise Unavailable("answered, but not with AMQP") from None
    if kind != 1 or payload[:4] != b"\x00\x0a\x00\x0a":
        raise Unavailable("answered, but not with AMQP 0-9-1 connection.start")
    product = b"RabbitMQ" if b"RabbitMQ" in payload else b"AMQP broker"
    return product.decode()


@dataclass(frozen=True, slots=True)
class Database:
    kind: str  # mariadb | postgresql | sqlite
    port: int
    version: str
    prefix: str  # database names: <prefix>_<service>

    @classmethod
    def from_state(cls, data: object) -> Database | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                str(data["kind"]), int(data["port"]), str(data["version"]), str(data["prefix"])
            )
        except (KeyError, TypeError, ValueError):
            return None

    def as_state(self) -> dict[str, object]:
        return asdict(self)

    @property
    def label(self) -> str:
        where = "" if self.kind == "sqlite" else f" on {HOST}:{self.port}"
        return f"{LABELS[self.kind]} {self.version}{where}".replace("  ", " ")

    def name(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    def url(self, service: str, root: Path) -> str:
        if self.kind == "mariadb":
            return f"mysql+pymysql://root@{HOST}:{self.port}/{self.name(service)}?charset=utf8mb4"
        if self.kind == "postgresql":
            return f"postgresql+psycopg2://postgres@{HOST}:{self.port}/{self.name(service)}"
        return f"sqlite:///{root / service / f'{service}.db'}"

    def create(self, services: list[str], python: Path) -> None:
        """Create the services' databases (idempotent); ``python`` has PyMySQL."""
        self._admin([self.name(s) for s in services], [], python)

    def drop(self, services: list[str], python: Path) -> None:
        self._admin([], [self.name(s) for s in services], python)

    def _admin(self, create: list[str], drop: list[str], python: Path) -> None:
        if self.kind == "sqlite":
            return
        if self.kind == "postgresql":
            _postgresql_admin(self.port, create, drop)
            return
        args = json.dumps({"port": self.port, "host": HOST, "create": create, "drop": drop})
        proc = subprocess.run(
            [str(python), "-c", _MARIADB_ADMIN, args], capture_output=True, text=True, check=False
        )
        if proc.returncode:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RunnerError(f"MariaDB on {HOST}:{self.port}: {tail}")


_MARIADB_ADMIN = """
import json, sys, pymysql
a = json.loads(sys.argv[1])
conn = pymysql.connect(host=a["host"], port=a["port"], user="root", connect_timeout=5)
with conn.cursor() as cur:
    for name in a["create"]:
        cur.execute("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4" % name)
    for name in a["drop"]:
        cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
conn.close()
"""


def _postgresql_admin(port: int, create: list[str], drop: list[str]) -> None:
    import psycopg

    try:
        with psycopg.connect(
            host=HOST, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            for name in create:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    continue
                conn.execute(f'CREATE DATABASE "{name}"')  # names are ours: [a-z0-9_]
            for name in drop:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        raise RunnerError(
            f"PostgreSQL on {HOST}:{port}: {' '.join(str(exc).split())[:200]}"
        ) from None


def database_prefix(root: Path) -> str:
    return "refcore_" + hashlib.sha1(str(root).encode()).hexdigest()[:8]


def choose_database(
    choice: str, root: Path, mariadb_port: int, postgresql_port: int
) -> tuple[Database, list[str]]:
    """The database to use for ``--database auto|mariadb|postgresql|sqlite`` and, for
    ``auto``, why each server before it was passed over."""
    prefix = database_prefix(root)
    if choice not in ("auto", *KINDS):
        raise RunnerError(f"unknown database '{choice}': auto, {', '.join(KINDS)}")
    if choice == "sqlite":
        return Database("sqlite", 0, "", prefix), []
    notes: list[str] = []
    probes = {
        "mariadb": (probe_mariadb, mariadb_port),
        "postgresql": (probe_postgresql, postgresql_port),
    }
    for kind in ("mariadb", "postgresql") if choice == "auto" else (choice,):
        probe, port = probes[kind]
        try:
            return Database(kind, port, probe(port), prefix), notes
        except Unavailable as exc:
            note = f"{LABELS[kind]} on {HOST}:{port}: {exc}"
            if choice != "auto":
                raise RunnerError(f"--database {kind}: {note}") from None
            notes.append(note)
    return Database("sqlite", 0, "", prefix), notes


def rabbit_vhost(vhost: str, *, delete: bool = False) -> None:
    """Create (or delete) a vhost with full rights for ``guest``, through rabbitmqctl."""
    import shutil

    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise RunnerError("rabbitmqctl is not installed: cannot give the sandbox its own vhost")
    steps = (
        [["delete_vhost", vhost]]
        if delete
        else [["add_vhost", vhost], ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]]
    )
    for args in steps:
        proc = subprocess.run([ctl, "-q", *args], capture_output=True, text=True, check=False)
        text = proc.stdout + proc.stderr
        settled = "already exists" in text or "does not exist" in text
        if proc.returncode and not settled:
            tail = (text.strip().splitlines() or ["no output"])[-1]
            raise RunnerError(f"rabbitmqctl {args[0]} {vhost}: {tail}")
