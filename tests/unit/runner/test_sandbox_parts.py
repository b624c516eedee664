"""Sandbox ports and process tracking, with real sockets and real processes."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from refcore.errors import RunnerError
from refcore.runner.sandbox import DEFAULT_PORTS, Ports, Sandbox, procs
from refcore.runner.sandbox.configs import PIPELINE, swift_proxy_conf
from refcore.runner.sandbox.ports import port_free


def test_ports_parse() -> None:
    ports = Ports.parse("keystone=5001, swift=8081")
    assert (ports.keystone, ports.swift, ports.object) == (5001, 8081, DEFAULT_PORTS.object)
    for bad, msg in [
        ("nova=1", "NAME one of"),
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
            box._check_ports()
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
