"""`sandbox up/status/down` against broken endpoints: a database or a message bus that
does not answer, a service that runs but answers errors, one that died, leftovers to
purge. Real sockets, real processes, the machine's PostgreSQL; nothing is installed."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from refcore.cli import main
from refcore.errors import RunnerError
from refcore.runner.sandbox import Ports, Sandbox, procs
from refcore.runner.sandbox.backends import Database, database_prefix
from refcore.runner.sandbox.services import components_for, processes_of


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ports(**machine: int) -> Ports:
    """Free ports for everything the sandbox starts; the machine's servers as given."""
    names = [f for f in Ports().as_dict() if f not in ("mariadb", "postgresql", "rabbitmq")]
    spec = ",".join(f"{n}={_closed_port()}" for n in names)
    spec += "".join(f",{k}={v}" for k, v in machine.items())
    return Ports.parse(spec)


def _box(tmp_path: Path, ports: Ports, said: list[str] | None = None) -> Sandbox:
    say = said.append if said is not None else None
    return Sandbox(tmp_path / "sb", ports, say=say, venvs=tmp_path / "venvs")


def test_programs_and_services_bring_what_they_need() -> None:
    assert components_for("object", None) == ("memcached", "keystone", "swift")
    assert components_for(None, "nova") == (
        "memcached", "keystone", "placement", "glance", "neutron", "nova",
    )  # fmt: skip
    platform = components_for("platform", None)
    assert set(components_for("compute", "swift")) == set(platform)
    assert [p.name for p in processes_of(("cinder",))] == [
        "cinder-api", "cinder-scheduler", "cinder-volume",
    ]  # fmt: skip
    with pytest.raises(RunnerError, match="unknown service 'heat'"):
        components_for(None, "glance, heat")
    with pytest.raises(RunnerError, match="unknown program 'dns'"):
        components_for("dns", None)


def test_compute_on_sqlite_is_refused_before_anything_is_installed(tmp_path: Path) -> None:
    said: list[str] = []
    box = _box(tmp_path, _ports(), said)
    with pytest.raises(RunnerError) as caught:
        box.up("compute", database="sqlite")
    assert str(caught.value).startswith(
        "sandbox up: step 'database and message bus' failed: placement, glance, neutron, "
        "nova, cinder need MariaDB or PostgreSQL on 127.0.0.1"
    )
    assert not (tmp_path / "venvs").exists()
    assert [s.name for s in box.steps] == ["database and message bus"]
    assert not box.steps[0].ok
    assert "✗ database and message bus failed" in said[-1]
    # nothing was recorded as set up: status has nothing to list
    assert Sandbox(tmp_path / "sb", venvs=tmp_path / "venvs").status() == []


def test_a_message_bus_that_does_not_answer_is_named(tmp_path: Path) -> None:
    closed = _closed_port()
    box = _box(tmp_path, _ports(rabbitmq=closed))
    with pytest.raises(RunnerError) as caught:
        box.up(services="cinder")
    assert str(caught.value) == (
        "sandbox up: step 'database and message bus' failed: RabbitMQ on "
        f"127.0.0.1:{closed}: Connection refused (Nova and Cinder need it: "
        "apt-get install -y rabbitmq-server)"
    )
    assert not (tmp_path / "venvs").exists()


def test_an_explicit_database_that_is_down_stops_up(tmp_path: Path) -> None:
    closed = _closed_port()
    box = _box(tmp_path, _ports(postgresql=closed))
    with pytest.raises(
        RunnerError, match=f"--database postgresql: PostgreSQL on 127.0.0.1:{closed}"
    ):
        box.up("object", database="postgresql")


def test_busy_ports_of_the_chosen_program_only(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        ports = Ports.parse(f"nova={port}", _ports())
        box = _box(tmp_path, ports)
        box._check_ports(processes_of(components_for("object", None)))  # nova not wanted
        with pytest.raises(RunnerError, match=f"nova-api 127.0.0.1:{port}"):
            box.up("compute")


# a stand-in service: answers GET with the status given on its command line
_SERVER = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(int(sys.argv[2])); self.send_header("Content-Length", "0")
            self.end_headers()
        def log_message(self, *a): pass
    HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """
)


def _serve(box: Sandbox, name: str, port: int, status: int) -> procs.Tracked:
    cmd = [sys.executable, "-c", _SERVER, str(port), str(status)]
    entry = procs.start(box.run_dir, name, cmd, log=box.root / "logs" / f"{name}.log")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return entry
        time.sleep(0.1)
    raise AssertionError(f"stand-in {name} did not listen")


def test_status_down_and_purge_against_broken_services(tmp_path: Path) -> None:
    closed = _closed_port()
    ports = _ports(mariadb=closed)
    box = _box(tmp_path, ports)
    prefix = database_prefix(box.root)
    box.state["components"] = ["memcached", "keystone", "placement", "glance"]
    box.state["database"] = Database("mariadb", closed, "10.11", prefix).as_state()
    box._save_state()
    (box.root / "keystone").mkdir()
    (box.root / "mine.txt").write_text("not the sandbox's")
    (tmp_path / "venvs" / "glance").mkdir(parents=True)
    # keystone answers 500, placement answers, glance died, memcached never started
    _serve(box, "keystone", ports.keystone, 500)
    _serve(box, "placement", ports.placement, 200)
    dead = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert dead.returncode == 0
    (box.run_dir / "glance.pid").write_text(
        json.dumps({"pid": 1, "start_time": "0", "log": "x"})  # pid 1 started at boot: not ours
    )

    rows = {s.name: s for s in Sandbox(box.root, venvs=tmp_path / "venvs").status()}
    assert list(rows) == ["memcached", "keystone", "placement", "glance", "database"]
    assert (rows["keystone"].running, rows["keystone"].answers) == (True, False)
    assert (rows["placement"].running, rows["placement"].answers) == (True, True)
    assert rows["placement"].endpoint == f"127.0.0.1:{ports.placement}"
    assert rows["placement"].detail == "Placement 16.0.0"
    assert not rows["glance"].running and not rows["memcached"].running
    db = rows["database"]
    assert (db.kind, db.running, db.answers) == ("machine", False, False)
    assert db.detail == "MariaDB: Connection refused"

    # the CLI says the same, and exits 1
    result = _cli(["sandbox", "status", "--dir", str(box.root), "--json"], tmp_path)
    assert result.returncode == 1
    shown = json.loads(result.stdout)
    assert shown["components"] == ["memcached", "keystone", "placement", "glance"]
    assert shown["database"] == f"MariaDB 10.11 on 127.0.0.1:{closed}"

    # down stops exactly the two it started; the stale pid file (pid 1) is never signalled
    assert box.down() == ["placement", "keystone"]
    assert not any(s.running for s in box.status() if s.kind == "service")

    # purge: MariaDB does not answer, so its databases are named as left behind; the
    # files the sandbox wrote and the venvs go, the user's own file stays
    with pytest.raises(RunnerError, match=f"databases {prefix}_\\* not dropped"):
        Sandbox(box.root, venvs=tmp_path / "venvs").down(purge=True)
    assert sorted(p.name for p in box.root.iterdir()) == ["mine.txt"]
    assert not (tmp_path / "venvs" / "glance").exists()


def test_purge_drops_the_sandboxes_own_postgresql_databases(tmp_path: Path) -> None:
    box = _box(tmp_path, _ports())
    db = Database("postgresql", 5432, "15", database_prefix(box.root))
    box.state["components"] = ["memcached", "keystone", "nova"]
    box.state["database"] = db.as_state()
    box._save_state()
    db.create(["keystone", "nova_api", "nova", "nova_cell0"], Path("unused"))
    other = Database("postgresql", 5432, "15", database_prefix(tmp_path / "other"))
    other.create(["keystone"], Path("unused"))
    try:
        # rabbitmqctl deletes the sandbox's vhost (absent: not an error)
        assert box.down(purge=True) == []
        with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres") as c:
            names = {r[0] for r in c.execute("SELECT datname FROM pg_database")}
        assert not {n for n in names if n.startswith(db.prefix)}
        assert other.name("keystone") in names  # another sandbox's database is kept
        assert not box.root.exists()
    finally:
        other.drop(["keystone"], Path("unused"))


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"REFCORE_SANDBOX_VENVS": str(tmp_path / "venvs"), "PATH": "/usr/bin:/bin"}
    code = "import sys; from refcore.cli import main; sys.argv[0] = 'refcore'; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    empty = _cli(["sandbox", "status", "--dir", str(tmp_path / "none")], tmp_path)
    assert empty.returncode == 1 and "nothing set up here" in empty.stdout
    bad = _cli(["sandbox", "up", "--dir", str(tmp_path / "x"), "--services", "heat"], tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: unknown service 'heat': choose among keystone, swift, placement, glance, "
        "neutron, nova, cinder"
    ]
    wrong = _cli(["sandbox", "up", "--program", "dns"], tmp_path)
    assert wrong.returncode == 2 and "'dns' is not one of" in wrong.stderr
    assert main is not None


def test_a_service_whose_worker_keeps_dying_fails_its_wait_with_its_error(
    tmp_path: Path,
) -> None:
    """gunicorn's master lives on while its worker dies at start: the wait names the
    service's own error from this start's log, not an older one."""
    box = _box(tmp_path, _ports())
    log = box.root / "logs" / "neutron.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "ERROR: an error of the previous start\n[ERROR] Worker (pid:7) exited with code 1\n"
    )
    script = (
        "import sys, time; print('ERROR: Neutron core_plugin not configured!'); "
        "print('[2026] [1] [ERROR] Worker (pid:2) exited with code 1'); "
        "sys.stdout.flush(); time.sleep(60)"
    )
    box._start("neutron", [sys.executable, "-c", script], None)
    try:
        with pytest.raises(RunnerError) as caught:
            box._wait_http("neutron", f"http://127.0.0.1:{box.ports.neutron}/")
        assert str(caught.value) == (
            "sandbox neutron does not start: ERROR: Neutron core_plugin not configured! "
            f"(log: {log})"
        )
    finally:
        assert box.down() == ["neutron"]


def test_cinder_without_qemu_img_is_refused_before_anything_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a PATH with memcached but no qemu-img (a fresh Debian): Cinder would put every
    # volume made from an image in ERROR ("env: 'qemu-img': No such file or directory")
    memcached = shutil.which("memcached")
    assert memcached is not None, "memcached is installed on the test machine"
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "memcached").symlink_to(memcached)
    monkeypatch.setenv("PATH", str(bare))
    with pytest.raises(RunnerError) as caught:
        _box(tmp_path, _ports()).up(services="cinder")
    assert str(caught.value) == (
        "qemu-img is not installed (Cinder runs it on each image it copies into a volume): "
        "apt-get install -y qemu-utils"
    )
    assert not (tmp_path / "venvs").exists()
    # the object program does not need it
    with pytest.raises(RunnerError, match="MariaDB|PostgreSQL|step") as other:
        _box(tmp_path, _ports(mariadb=_closed_port(), postgresql=_closed_port())).up(
            "object", database="mariadb"
        )
    assert "qemu-img" not in str(other.value)
