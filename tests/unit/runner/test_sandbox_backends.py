"""The machine's servers the sandbox uses, probed for real: this machine's MariaDB,
PostgreSQL and RabbitMQ, and sockets that answer wrongly, close, or do not listen."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from refcore.errors import RunnerError
from refcore.runner.sandbox import backends
from refcore.runner.sandbox.backends import (
    Database,
    Unavailable,
    choose_database,
    probe_mariadb,
    probe_postgresql,
    probe_rabbitmq,
)

MARIADB, POSTGRESQL, RABBITMQ = 3306, 5432, 5672


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def liar() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server that sends whatever is queued (nothing: it just closes) to each
    connection, reading nothing."""
    answers: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = int(server.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                if answers:
                    conn.sendall(answers.pop(0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, answers
    server.close()


def test_the_machines_servers_answer_their_own_protocols() -> None:
    assert "MariaDB" in probe_mariadb(MARIADB)
    assert probe_postgresql(POSTGRESQL)[0].isdigit()
    assert probe_rabbitmq(RABBITMQ) == "RabbitMQ"


def test_probes_tell_a_wrong_server_from_the_real_one(liar: tuple[int, list[bytes]]) -> None:
    port, answers = liar
    # a well-framed packet that is no greeting; a well-framed AMQP method that is not
    # connection.start (class 20, method 40)
    answers += [b"\x05\x00\x00\x00HELLO", b"\x01\x00\x00\x00\x00\x00\x04\x00\x14\x00\x28"]
    with pytest.raises(Unavailable, match="not with a MySQL/MariaDB greeting"):
        probe_mariadb(port)
    with pytest.raises(Unavailable, match="not with AMQP 0-9-1"):
        probe_rabbitmq(port)
    # nothing queued: accepts, then closes without a word
    with pytest.raises(Unavailable, match="closed the connection"):
        probe_mariadb(port)
    # (unread bytes make the kernel answer the close with a reset)
    with pytest.raises(Unavailable, match="closed the connection|reset by peer"):
        probe_rabbitmq(port)


def test_a_refusing_mariadb_says_why(liar: tuple[int, list[bytes]]) -> None:
    port, answers = liar
    message = b"\xff\x6a\x04#HY000Host 'x' is not allowed to connect"
    answers.append(len(message).to_bytes(3, "little") + b"\x00" + message)
    with pytest.raises(Unavailable, match="refused: Host 'x' is not allowed"):
        probe_mariadb(port)


def test_probes_of_a_port_nobody_listens_on() -> None:
    port = _closed_port()
    for probe in (probe_mariadb, probe_rabbitmq):
        with pytest.raises(Unavailable, match="refused"):
            probe(port)
    with pytest.raises(Unavailable, match="Connection refused|connection failed"):
        probe_postgresql(port)


def test_auto_takes_mariadb_then_postgresql_then_sqlite(tmp_path: Path) -> None:
    closed = _closed_port()
    db, notes = choose_database("auto", tmp_path, MARIADB, POSTGRESQL)
    assert (db.kind, notes) == ("mariadb", [])
    assert db.url("keystone", tmp_path).startswith(f"mysql+pymysql://root@127.0.0.1:{MARIADB}/")

    db, notes = choose_database("auto", tmp_path, closed, POSTGRESQL)
    assert db.kind == "postgresql" and db.label.startswith("PostgreSQL ")
    assert notes == [f"MariaDB on 127.0.0.1:{closed}: Connection refused"]

    db, notes = choose_database("auto", tmp_path, closed, closed)
    assert db.kind == "sqlite" and len(notes) == 2
    assert db.url("keystone", tmp_path) == f"sqlite:///{tmp_path}/keystone/keystone.db"


def test_an_explicit_database_that_does_not_answer_is_an_error(tmp_path: Path) -> None:
    closed = _closed_port()
    with pytest.raises(RunnerError, match=f"--database mariadb: MariaDB on 127.0.0.1:{closed}"):
        choose_database("mariadb", tmp_path, closed, POSTGRESQL)
    with pytest.raises(RunnerError, match="unknown database 'oracle'"):
        choose_database("oracle", tmp_path, MARIADB, POSTGRESQL)


def test_databases_are_named_after_the_sandbox_and_dropped_again(tmp_path: Path) -> None:
    db = Database("postgresql", POSTGRESQL, "15", backends.database_prefix(tmp_path))
    assert db.name("nova_api") == f"{db.prefix}_nova_api" and len(db.prefix) == 16
    db.create(["keystone", "nova_api"], Path("unused"))
    db.create(["keystone"], Path("unused"))  # idempotent
    with psycopg.connect(
        host="127.0.0.1", port=POSTGRESQL, user="postgres", dbname="postgres"
    ) as c:
        query = "SELECT datname FROM pg_database WHERE datname LIKE %s"
        found = {r[0] for r in c.execute(query, (db.prefix + "%",))}
        assert found == {db.name("keystone"), db.name("nova_api")}
        db.drop(["keystone", "nova_api"], Path("unused"))
        assert not c.execute(query, (db.prefix + "%",)).fetchall()


def test_database_state_round_trip_and_junk() -> None:
    db = Database("mariadb", 3306, "10.11.19-MariaDB", "refcore_0123abcd")
    assert Database.from_state(db.as_state()) == db
    assert Database.from_state({"kind": "mariadb"}) is None
    assert Database.from_state("mariadb") is None
