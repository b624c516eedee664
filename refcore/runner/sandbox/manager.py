"""The sandbox's life cycle: ``up`` (install, configure, start, idempotently), ``down``
(stop exactly what it started) and ``status``.

Layout under the sandbox directory::

    sandbox.json          ports and generated secrets (mode 600)
    venvs/{keystone,swift,tempest}/
    keystone/             keystone.conf, keystone.db, key repositories
    swift/                swift.conf, server configs, rings, node/d1 (the device)
    run/*.pid  logs/*.log
    clouds.yaml           entries refcore-sandbox (admin) and refcore-sandbox-member
    accounts.yaml         Tempest static accounts
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from refcore.errors import RunnerError

from . import configs, procs
from .identity import REGION, Account, IdentitySetup, static_accounts
from .ports import HOST, Ports, port_free
from .smoke import check_object_storage

__all__ = ["SERVICES", "VENVS", "Sandbox", "ServiceStatus"]

#: venv name -> what pip installs there (their pins clash: one venv each)
VENVS: dict[str, tuple[str, ...]] = {
    "keystone": ("keystone==30.0.0", "gunicorn"),
    "swift": ("swift==2.38.3", "keystonemiddleware==13.0.1"),
    "tempest": ("tempest==47.0.0",),
}
#: services in start order (``down`` stops them in reverse)
SERVICES = ("memcached", "keystone", "account", "container", "object", "swift")
STARTUP_TIMEOUT = 90.0

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    name: str
    port: int
    pid: int | None
    running: bool
    answers: bool
    log: str | None


class Sandbox:
    def __init__(self, root: Path, ports: Ports | None = None, say: Say | None = None) -> None:
        self.root = root.absolute()
        self.say: Say = say or (lambda _msg: None)
        self.state = self._load_state()
        saved = Ports(**dict(self.state["ports"])) if "ports" in self.state else None  # type: ignore[call-overload]
        if ports is not None and saved is not None and ports != saved:
            raise RunnerError(
                f"the sandbox in {self.root} was set up with ports {saved.describe()}: "
                "use them, or `refcore sandbox down` and remove the directory first"
            )
        self.ports = saved or ports or Ports()

    # -- paths -------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def clouds_yaml(self) -> Path:
        return self.root / "clouds.yaml"

    @property
    def accounts_yaml(self) -> Path:
        return self.root / "accounts.yaml"

    @property
    def tempest(self) -> Path:
        return self.root / "venvs" / "tempest" / "bin" / "tempest"

    def _bin(self, venv: str, name: str) -> str:
        return str(self.root / "venvs" / venv / "bin" / name)

    def port_of(self, service: str) -> int:
        return int(self.ports.as_dict()[service])

    # -- state -------------------------------------------------------------------
    def _load_state(self) -> dict[str, object]:
        try:
            data = json.loads((self.root / "sandbox.json").read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RunnerError(f"{self.root / 'sandbox.json'} is unreadable: {exc}") from None
        return data if isinstance(data, dict) else {}

    def _secret(self, key: str) -> str:
        if key not in self.state:
            self.state[key] = secrets.token_urlsafe(18)
        return str(self.state[key])

    def _save_state(self) -> None:
        self.state["ports"] = self.ports.as_dict()
        path = self.root / "sandbox.json"
        path.write_text(json.dumps(self.state, indent=2))
        path.chmod(0o600)

    # -- up ----------------------------------------------------------------------
    def up(self) -> list[ServiceStatus]:
        """Bring every service up; what already runs is left alone."""
        memcached = shutil.which("memcached")
        if memcached is None:
            raise RunnerError("memcached is not installed: apt-get install -y memcached")
        self._check_ports()
        self.root.mkdir(parents=True, exist_ok=True)
        for key in ("admin_password", "swift_password", "accounts_password", "demo_password"):
            self._secret(key)
        self._save_state()
        self._install_venvs()
        self._start("memcached", self._memcached_cmd(memcached), None)
        self._wait_tcp("memcached")
        self._keystone()
        self._identity()
        self._swift()
        self.say("checking object storage end to end (a static large object, as Tempest does)")
        check_object_storage(self.keystone_url, self._demo())
        self.say(f"sandbox up: clouds.yaml in {self.clouds_yaml}")
        return self.status()

    def _check_ports(self) -> None:
        busy = []
        for name in SERVICES:
            entry = procs.tracked(self.run_dir, name)
            if entry is not None and entry.alive:
                continue
            port = self.port_of(name)
            if not port_free(port):
                busy.append(f"{name} {HOST}:{port}")
        if busy:
            raise RunnerError(
                f"port(s) already in use by another program: {', '.join(busy)}; "
                "choose others with --ports NAME=PORT,..."
            )

    def _install_venvs(self) -> None:
        todo = [n for n in VENVS if not self._installed(n)]
        if not todo:
            return
        self.say(f"installing {', '.join(todo)} from PyPI into {self.root / 'venvs'} (parallel)")
        started = time.monotonic()
        with ThreadPoolExecutor(len(todo)) as pool:
            errors = [e for e in pool.map(self._install_one, todo) if e]
        if errors:
            raise RunnerError("; ".join(errors))
        self.say(f"installed in {time.monotonic() - started:.0f} s")

    def _installed(self, name: str) -> bool:
        marker = self.root / "venvs" / name / ".refcore-installed"
        return marker.is_file() and marker.read_text() == " ".join(VENVS[name])

    def _install_one(self, name: str) -> str | None:
        venv = self.root / "venvs" / name
        log = self.root / "logs" / f"install-{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            for cmd in (
                [sys.executable, "-m", "venv", "--clear", str(venv)],
                [str(venv / "bin" / "python"), "-m", "pip", "install", *VENVS[name]],
            ):
                if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode:
                    return f"installing {name} failed: see {log}"
        (venv / ".refcore-installed").write_text(" ".join(VENVS[name]))
        return None

    def _memcached_cmd(self, memcached: str) -> list[str]:
        cmd = [memcached, "-l", HOST, "-p", str(self.ports.memcached), "-U", "0", "-m", "64"]
        return cmd + (["-u", "root"] if os.geteuid() == 0 else [])

    def _start(
        self, name: str, cmd: list[str], env: dict[str, str] | None, cwd: Path | None = None
    ) -> None:
        entry = procs.tracked(self.run_dir, name)
        if entry is not None and entry.alive:
            return
        self.say(f"starting {name} on {HOST}:{self.port_of(name)}")
        log = self.root / "logs" / f"{name}.log"
        procs.start(self.run_dir, name, cmd, log=log, env=env, cwd=cwd)

    # -- keystone ----------------------------------------------------------------
    @property
    def keystone_url(self) -> str:
        return f"http://{HOST}:{self.ports.keystone}"

    def _keystone(self) -> None:
        ks = self.root / "keystone"
        conf = ks / "keystone.conf"
        if not (ks / ".bootstrapped").is_file():
            self.say("setting up Keystone (SQLite, fernet tokens, bootstrap)")
            ks.mkdir(parents=True, exist_ok=True)
            conf.write_text(configs.keystone_conf(self.root))
            user = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            manage = [self._bin("keystone", "keystone-manage"), "--config-file", str(conf)]
            owner = ["--keystone-user", user, "--keystone-group", group]
            url = self.keystone_url + "/v3/"
            for args in (
                ["db_sync"],
                ["fernet_setup", *owner],
                ["credential_setup", *owner],
                [
                    "bootstrap",
                    "--bootstrap-password",
                    str(self.state["admin_password"]),
                    "--bootstrap-region-id",
                    REGION,
                    "--bootstrap-admin-url",
                    url,
                    "--bootstrap-internal-url",
                    url,
                    "--bootstrap-public-url",
                    url,
                ],
            ):
                self._run([*manage, *args], f"keystone-manage {args[0]}")
            (ks / ".bootstrapped").write_text("ok")
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=str(conf))
        # Keystone parses sys.argv with oslo.config, so gunicorn gets no arguments and
        # reads its settings from ./gunicorn.conf.py (its default config file)
        (ks / "gunicorn.conf.py").write_text(
            f"wsgi_app = 'keystone.wsgi.api:application'\n"
            f"bind = '{HOST}:{self.ports.keystone}'\n"
            "workers = 2\nthreads = 4\ntimeout = 120\n"
        )
        cmd = [self._bin("keystone", "gunicorn")]
        self._start("keystone", cmd, env, cwd=ks)
        self._wait_http("keystone", self.keystone_url + "/v3")

    def _identity(self) -> None:
        marker = self.root / "keystone" / ".resources"
        accounts = static_accounts(str(self.state["accounts_password"]))
        demo = self._demo()
        if not marker.is_file():
            self.say("creating Swift's service user and endpoints, and the test accounts")
            setup = IdentitySetup(self.keystone_url, str(self.state["admin_password"]))
            try:
                setup.object_store(
                    f"http://{HOST}:{self.ports.swift}", str(self.state["swift_password"])
                )
                for account in [*accounts, demo]:
                    setup.account(account)
            finally:
                setup.close()
            marker.write_text("ok")
        self._write_yaml(self.accounts_yaml, [a.to_tempest() for a in accounts])
        self._write_yaml(self.clouds_yaml, {"clouds": self._clouds(demo)})

    def _demo(self) -> Account:
        return Account(
            "refcore-demo", "refcore-demo", str(self.state["demo_password"]), ("member",)
        )

    def _clouds(self, demo: Account) -> dict[str, object]:
        def entry(user: str, project: str, password: str) -> dict[str, object]:
            auth = {
                "auth_url": self.keystone_url + "/v3",
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_id": "default",
                "project_domain_id": "default",
            }
            return {"auth": auth, "region_name": REGION, "identity_api_version": 3}

        return {
            "refcore-sandbox": entry("admin", "admin", str(self.state["admin_password"])),
            "refcore-sandbox-member": entry(demo.username, demo.project, demo.password),
        }

    @staticmethod
    def _write_yaml(path: Path, data: object) -> None:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        path.chmod(0o600)

    # -- swift -------------------------------------------------------------------
    def _swift(self) -> None:
        sw = self.root / "swift"
        device = sw / "node" / "d1"
        device.mkdir(parents=True, exist_ok=True)
        try:
            os.setxattr(device, "user.refcore", b"1")
        except OSError as exc:
            raise RunnerError(
                f"{device}: the filesystem has no extended attributes, which Swift needs "
                f"({exc.strerror}); use --dir on another filesystem (ext4, xfs)"
            ) from None
        user = pwd.getpwuid(os.getuid()).pw_name
        suffix, prefix = self._secret("hash_suffix"), self._secret("hash_prefix")
        self._save_state()
        (sw / "swift.conf").write_text(configs.swift_conf(suffix, prefix))
        for kind in ("account", "container", "object"):
            port = self.port_of(kind)
            (sw / f"{kind}-server.conf").write_text(
                configs.swift_server_conf(kind, self.root, port, user)
            )
            if not (sw / f"{kind}.ring.gz").is_file():
                builder = str(sw / f"{kind}.builder")
                ring = self._bin("swift", "swift-ring-builder")
                self._run([ring, builder, "create", "8", "1", "1"], f"{kind} ring create")
                self._run(
                    [ring, builder, "add", f"r1z1-{HOST}:{port}/d1", "100"], f"{kind} ring add"
                )
                self._run([ring, builder, "rebalance"], f"{kind} ring rebalance", ok=(0, 1))
        proxy_conf = sw / "proxy-server.conf"
        proxy_conf.write_text(
            configs.swift_proxy_conf(self.root, self.ports, user, str(self.state["swift_password"]))
        )
        proxy_conf.chmod(0o600)  # it holds the swift service user's password
        for kind in ("account", "container", "object"):
            server = self._bin("swift", f"swift-{kind}-server")
            self._start(kind, [server, str(sw / f"{kind}-server.conf"), "-v"], None)
        proxy = self._bin("swift", "swift-proxy-server")
        self._start("swift", [proxy, str(sw / "proxy-server.conf"), "-v"], None)
        for name in ("account", "container", "object", "swift"):
            self._wait_http(name, f"http://{HOST}:{self.port_of(name)}/healthcheck")

    # -- helpers -----------------------------------------------------------------
    def _run(self, cmd: list[str], what: str, ok: tuple[int, ...] = (0,)) -> None:
        log = self.root / "logs" / "setup.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            out.write(f"$ {' '.join(cmd)}\n".encode())
            out.flush()
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
        if rc not in ok:
            raise RunnerError(f"{what} failed (exit {rc}): see {log}")

    def _died(self, name: str) -> RunnerError:
        log = self.root / "logs" / f"{name}.log"
        try:
            tail = log.read_text(errors="replace").strip().splitlines()[-1]
        except (OSError, IndexError):
            tail = "no output"
        return RunnerError(f"sandbox {name} did not start: {tail} (log: {log})")

    def _wait(self, name: str, probe: Callable[[], bool]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if probe():
                return
            entry = procs.tracked(self.run_dir, name)
            if entry is None or not entry.alive:
                raise self._died(name)
            time.sleep(0.3)
        raise RunnerError(f"sandbox {name} did not answer in {STARTUP_TIMEOUT:g} s")

    def _wait_http(self, name: str, url: str) -> None:
        self._wait(name, lambda: _http_ok(url))

    def _wait_tcp(self, name: str) -> None:
        self._wait(name, lambda: _tcp_ok(self.port_of(name)))

    # -- down / status -----------------------------------------------------------
    def down(self) -> list[str]:
        """Stop what the sandbox started (nothing else); returns the names stopped."""
        stopped = []
        for name in reversed(SERVICES):
            if procs.stop(self.run_dir, name):
                stopped.append(name)
        return stopped

    def status(self) -> list[ServiceStatus]:
        out = []
        for name in SERVICES:
            entry = procs.tracked(self.run_dir, name)
            running = entry is not None and entry.alive
            port = self.port_of(name)
            if not running:
                answers = False
            elif name == "memcached":
                answers = _tcp_ok(port)
            elif name == "keystone":
                answers = _http_ok(f"http://{HOST}:{port}/v3")
            else:
                answers = _http_ok(f"http://{HOST}:{port}/healthcheck")
            out.append(
                ServiceStatus(
                    name,
                    port,
                    entry.pid if entry else None,
                    running,
                    answers,
                    entry.log if entry else None,
                )
            )
        return out


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 400
    except httpx.HTTPError:
        return False


def _tcp_ok(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False
