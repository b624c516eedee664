"""Sandbox ports and process tracking, with real sockets and real processes."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from refcore.errors import RunnerError
from refcore.runner.sandbox import DEFAULT_PORTS, Ports, Sandbox, procs
from refcore.runner.sandbox.configs import PIPELINE, swift_proxy_conf
from refcore.runner.sandbox.identity import Account
from refcore.runner.sandbox.ports import port_free
from refcore.runner.sandbox.services import components_for, processes_of
from refcore.runner.sandbox.smoke import check_object_storage


def test_ports_parse() -> None:
    ports = Ports.parse("keystone=5001, swift=8081")
    assert (ports.keystone, ports.swift, ports.object) == (5001, 8081, DEFAULT_PORTS.object)
    for bad, msg in [
        ("heat=1", "NAME one of"),
        ("keystone=x", "not a number"),
        ("keystone=70000", "out of range"),
        ("keystone=8080", "two services on one port"),
    ]:
        with pytest.raises(RunnerError, match=msg):
            Ports.parse(bad)


def test_port_free_sees_a_listener() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.listen()
        assert not port_free(port)
    assert port_free(port)


def test_up_refuses_busy_ports_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        box = Sandbox(tmp_path / "sb", Ports.parse(f"keystone={port}"))
        with pytest.raises(RunnerError, match=f"keystone 127.0.0.1:{port}"):
            box._check_ports(processes_of(components_for("object", None)))
    assert not (tmp_path / "sb" / "run").exists()


def test_saved_ports_win(tmp_path: Path) -> None:
    root = tmp_path / "sb"
    root.mkdir()
    (root / "sandbox.json").write_text(
        '{"ports": ' + str(Ports.parse("swift=9999").as_dict()).replace("'", '"') + "}"
    )
    assert Sandbox(root).ports.swift == 9999
    with pytest.raises(RunnerError, match="was set up with ports"):
        Sandbox(root, Ports.parse("swift=9998"))


def test_start_and_stop_exactly_our_process_group(tmp_path: Path) -> None:
    run = tmp_path / "run"
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    entry = procs.start(run, "sleeper", [sys.executable, "-c", code], log=tmp_path / "s.log")
    time.sleep(0.3)
    assert procs.tracked(run, "sleeper") == entry and entry.alive
    assert procs.stop(run, "sleeper", grace=5)
    assert not entry.alive
    assert procs.tracked(run, "sleeper") is None
    assert not procs.stop(run, "sleeper")


def test_stale_pid_file_is_never_signalled(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    # our own pid with a start time that is not ours: must be treated as gone
    (run / "x.pid").write_text(
        f'{{"pid": {__import__("os").getpid()}, "start_time": "1", "log": ""}}'
    )
    assert not procs.tracked(run, "x").alive  # type: ignore[union-attr]
    assert not procs.stop(run, "x")


def test_proxy_pipeline_has_every_middleware_configured(tmp_path: Path) -> None:
    text = swift_proxy_conf(tmp_path, DEFAULT_PORTS, "root", "pw")
    for name in PIPELINE.split():
        section = f"[app:{name}]" if name == "proxy-server" else f"[filter:{name}]"
        assert section in text
    assert "cache = swift.cache" in text and "delay_auth_decision = True" in text


def test_static_accounts_name_only_the_role_they_are_for() -> None:
    """Tempest matches accounts by the roles in accounts.yaml: a reseller account must not
    be handed out as a plain member (operator) account."""
    from refcore.runner.sandbox.identity import static_accounts

    accounts = [a.to_tempest() for a in static_accounts("pw")]
    members = [a for a in accounts if a["roles"] == ["member"]]
    resellers = [a for a in accounts if a["roles"] == ["ResellerAdmin"]]
    assert members and resellers and len(members) + len(resellers) == len(accounts)
    # Keystone still grants resellers "member" on their own project
    assert all("member" in a.roles for a in static_accounts("pw"))


class _BrokenCloud(BaseHTTPRequestHandler):
    """Keystone that issues tokens, with an object store that refuses every write."""

    port = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        catalog = [
            {
                "type": "object-store",
                "endpoints": [
                    {"interface": "public", "url": f"http://127.0.0.1:{self.port}/v1/AUTH_p"}
                ],
            }
        ]
        data = json.dumps({"token": {"catalog": catalog}}).encode()
        self.send_response(201)
        self.send_header("X-Subject-Token", "tok")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:  # noqa: N802
        self.calls.append((self.path, self.headers["X-Auth-Token"]))
        body = b"<html><h1>Service Unavailable</h1></html>"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass

    calls: list[tuple[str, str]] = []


def test_object_storage_check_names_the_step_that_keeps_failing() -> None:
    server = HTTPServer(("127.0.0.1", 0), _BrokenCloud)
    _BrokenCloud.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    demo = Account("demo", "demo", "pw", ("member",))
    try:
        with pytest.raises(RunnerError) as caught:
            check_object_storage(
                f"http://127.0.0.1:{_BrokenCloud.port}", demo, timeout=3, pause=0.05
            )
    finally:
        server.shutdown()
        server.server_close()
    assert str(caught.value) == (
        "sandbox object storage does not work after 3 s: "
        "PUT container -> 503 <html><h1>Service Unavailable</h1></html>"
    )
    # it tried more than once, with the token Keystone gave, under the catalog's URL
    assert len(_BrokenCloud.calls) >= 2
    assert all(
        p.startswith("/v1/AUTH_p/refcore-smoke-") and t == "tok" for p, t in _BrokenCloud.calls
    )
