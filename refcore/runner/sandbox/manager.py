"""The sandbox's life cycle: ``up`` (install, configure, start, prove, idempotently),
``down`` (stop exactly what it started; ``--purge`` also removes its data, databases,
vhost and venvs) and ``status``.

Layout under the sandbox directory (the venvs live in a cache shared by every sandbox,
see :mod:`.venvs`)::

    sandbox.json          ports, program, database, generated secrets (mode 600)
    keystone/             keystone.conf, key repositories (keystone.db on SQLite)
    swift/                swift.conf, server configs, rings, node/d1 (the device)
    glance/ placement/ nova/ neutron/ cinder/   their configuration and state
    run/*.pid  logs/*.log
    clouds.yaml           entries refcore-sandbox (admin) and refcore-sandbox-member
    accounts.yaml         Tempest static accounts
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from refcore.errors import RunnerError

from . import backends, configs, procs
from .backends import Database
from .compute import FLAVORS, PLACEHOLDER_IMAGE, ComputeSetup
from .compute_configs import TEMPEST_OVERRIDES
from .identity import REGION, Account, IdentitySetup, static_accounts
from .ports import HOST, Ports, port_free
from .proofs import prove_image, prove_server
from .services import COMPONENTS, PROCESSES, Process, components_for, processes_of
from .smoke import check_object_storage
from .venvs import Venvs, default_venvs_dir, niced

__all__ = ["Sandbox", "ServiceStatus", "Step"]

STARTUP_TIMEOUT = 120.0
#: what a sandbox set up before programs existed runs
LEGACY_COMPONENTS = ("memcached", "keystone", "swift")


#: component -> its venv
VENV_OF = {
    "keystone": "keystone",
    "swift": "swift",
    "placement": "placement",
    "glance": "glance",
    "neutron": "neutron",
    "nova": "nova",
    "cinder": "cinder",
}
#: component -> its databases (named <prefix>_<name>)
DATABASES: dict[str, tuple[str, ...]] = {
    "keystone": ("keystone",),
    "placement": ("placement",),
    "glance": ("glance",),
    "neutron": ("neutron",),
    "nova": ("nova_api", "nova", "nova_cell0"),
    "cinder": ("cinder",),
}
#: components with a service user in project ``service``
SERVICE_USERS = ("swift", "placement", "glance", "neutron", "nova", "cinder")
COMPUTE_COMPONENTS = ("placement", "glance", "neutron", "nova", "cinder")
NEEDS_BUS = ("nova", "cinder")
VERSIONS = {
    "keystone": "Keystone 30.0.0",
    "swift": "Swift 2.38.3",
    "placement": "Placement 16.0.0",
    "glance": "Glance 33.0.0",
    "neutron": "Neutron 29.0.0",
    "nova": "Nova 34.0.0",
    "cinder": "Cinder 29.0.0",
    "memcached": "memcached",
}
#: what ``down --purge`` removes from the sandbox directory
OWNED_FILES = (
    "sandbox.json",
    "keystone",
    "swift",
    "placement",
    "glance",
    "neutron",
    "nova",
    "cinder",
    "run",
    "logs",
    "clouds.yaml",
    "accounts.yaml",
    "images",
    "tempest-overrides.conf",
)

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    name: str
    port: int | None
    pid: int | None
    running: bool
    answers: bool
    log: str | None
    #: ``service`` (started by the sandbox) or ``machine`` (a server of the machine it uses)
    kind: str = "service"
    detail: str = ""

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}" if self.port else "-"


@dataclass(slots=True)
class Step:
    name: str
    seconds: float = 0.0
    ok: bool = False


class Sandbox:
    def __init__(
        self,
        root: Path,
        ports: Ports | None = None,
        say: Say | None = None,
        venvs: Path | None = None,
    ) -> None:
        self.root = root.absolute()
        self.say: Say = say or (lambda _msg: None)
        self.state = self._load_state()
        saved = Ports(**dict(self.state["ports"])) if "ports" in self.state else None  # type: ignore[call-overload]
        if ports is not None and saved is not None and ports != saved:
            raise RunnerError(
                f"the sandbox in {self.root} was set up with ports {saved.describe()}: "
                "use them, or `refcore sandbox down --purge` first"
            )
        self.ports = saved or ports or Ports()
        self.venvs = Venvs(venvs or default_venvs_dir(), self.root / "logs")
        self.steps: list[Step] = []
        self._log_start: dict[str, int] = {}

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
    def tempest_overrides(self) -> Path:
        """tempest.conf settings for ``refcore test --tempest-conf-override`` (compute)."""
        return self.root / "tempest-overrides.conf"

    @property
    def image(self) -> Path:
        """The image file for ``refcore test --image`` (compute)."""
        return self.root / "images" / "placeholder.raw"

    @property
    def tempest(self) -> Path:
        return self.venvs.path("tempest") / "bin" / "tempest"

    def _bin(self, venv: str, name: str) -> str:
        return self.venvs.bin(venv, name)

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
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "sandbox.json"
        path.write_text(json.dumps(self.state, indent=2))
        path.chmod(0o600)

    @property
    def components(self) -> tuple[str, ...]:
        saved = self.state.get("components")
        if isinstance(saved, list):
            return tuple(str(c) for c in saved)
        return LEGACY_COMPONENTS if (self.root / "keystone").is_dir() else ()

    @property
    def database(self) -> Database | None:
        saved = Database.from_state(self.state.get("database"))
        if saved is None and (self.root / "keystone" / ".bootstrapped").is_file():
            # set up before server databases were used: Keystone is on SQLite
            return Database("sqlite", 0, "", backends.database_prefix(self.root))
        return saved

    # -- progress ----------------------------------------------------------------
    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step of ``up``, print it, and name it when it fails."""
        record = Step(name)
        self.steps.append(record)
        started = time.monotonic()
        self.say(f"… {name}")
        try:
            yield
        except RunnerError as exc:
            record.seconds = time.monotonic() - started
            self.say(f"✗ {name} failed after {record.seconds:.1f} s")
            raise RunnerError(f"sandbox up: step '{name}' failed: {exc}") from None
        record.seconds = time.monotonic() - started
        record.ok = True
        self.say(f"✓ {name} ({record.seconds:.1f} s)")

    # -- up ----------------------------------------------------------------------
    def up(
        self, program: str | None = None, services: str | None = None, database: str = "auto"
    ) -> list[ServiceStatus]:
        """Bring the components of ``program`` / ``services`` up (with what they need;
        by default what this sandbox ran before, else the object program) and prove
        they work; what already runs is left alone."""
        started = time.monotonic()
        if program or services:
            wanted = set(components_for(program, services))
        else:
            wanted = set(self.components or components_for("object", None))
        components = tuple(c for c in COMPONENTS if c in wanted | set(self.components))
        if shutil.which("memcached") is None:
            raise RunnerError("memcached is not installed: apt-get install -y memcached")
        if "cinder" in components and shutil.which("qemu-img") is None:
            # Cinder reads every image it copies into a volume with `qemu-img info`
            raise RunnerError(
                "qemu-img is not installed (Cinder runs it on each image it copies into a "
                "volume): apt-get install -y qemu-utils"
            )
        self._check_ports(processes_of(components))
        for key in ("admin_password", "service_password", "accounts_password", "demo_password"):
            self._secret(key)
        self.state.setdefault("swift_password", self.state["service_password"])
        self.say(f"sandbox {self.root}: {', '.join(c for c in components if c != 'memcached')}")
        # what the machine must offer is checked before minutes go into installing
        with self.step("database and message bus"):
            db = self._choose_database(database, components)
            if any(c in NEEDS_BUS for c in components):
                self._check_bus()
        self.state["components"] = list(components)
        self._save_state()
        with self.step("install venvs"):
            self.venvs.ensure([c for c in components if c in VENV_OF] + ["tempest"], self.say)
        with self.step(f"databases in {db.label}"):
            db.create(self._database_names(components), self.venvs.python("keystone"))
            if any(c in NEEDS_BUS for c in components):
                backends.rabbit_vhost(self.vhost)
        with self.step("memcached"):
            self._start("memcached", self._memcached_cmd(), None)
            self._wait_tcp("memcached")
        with self.step("keystone"):
            self._keystone(db)
        with self.step("identity: service users and test accounts"):
            self._identity(components)
        if "swift" in components:
            with self.step("swift"):
                self._swift()
        self._compute_up(components, db)
        if "swift" in components:
            with self.step("proof: object storage (a static large object, as Tempest does)"):
                check_object_storage(self.keystone_url, self._demo())
        self._compute_prove(components)
        self.say(
            f"sandbox up in {time.monotonic() - started:.0f} s: clouds.yaml in {self.clouds_yaml}"
        )
        return self.status()

    def _compute_up(self, components: tuple[str, ...], db: Database) -> None:
        if not any(c in COMPUTE_COMPONENTS for c in components):
            return
        names = self._database_names(components)
        setup = ComputeSetup(self, {n: db.url(n, self.root) for n in names})

        def bring_up(component: str) -> None:
            with self.step(component):
                getattr(setup, component)()

        # independent of each other: set up and started side by side (most of each is
        # waiting for a db sync or a first answer); Nova then needs the first three
        first = [c for c in ("placement", "glance", "neutron", "cinder") if c in components]
        with ThreadPoolExecutor(max(len(first), 1)) as pool:
            for future in [pool.submit(bring_up, c) for c in first]:
                future.result()
        if "nova" in components:
            bring_up("nova")
        with self.step("flavors, external network, image"):
            setup.resources(components)
            setup.placeholder_image()
            self.tempest_overrides.write_text(TEMPEST_OVERRIDES)

    def _compute_prove(self, components: tuple[str, ...]) -> None:
        if "glance" in components:
            with self.step("proof: image upload and download"):
                prove_image(self.keystone_url, self._demo())
        if {"nova", "cinder"} <= set(components):
            with self.step("proof: server ACTIVE on a network with a volume attached"):
                prove_server(self.keystone_url, self._demo(), PLACEHOLDER_IMAGE, FLAVORS[0][0])

    def _check_ports(self, processes: tuple[Process, ...]) -> None:
        busy = []
        for proc in processes:
            if proc.port is None:
                continue
            entry = procs.tracked(self.run_dir, proc.name)
            if entry is not None and entry.alive:
                continue
            port = self.port_of(proc.port)
            if not port_free(port):
                busy.append(f"{proc.name} {HOST}:{port}")
        if busy:
            raise RunnerError(
                f"port(s) already in use by another program: {', '.join(busy)}; "
                "choose others with --ports NAME=PORT,..."
            )

    def _choose_database(self, choice: str, components: tuple[str, ...]) -> Database:
        db = self.database
        if db is None:
            db, notes = backends.choose_database(
                choice, self.root, self.ports.mariadb, self.ports.postgresql
            )
            for note in notes:
                self.say(f"  not used: {note}")
            self.state["database"] = db.as_state()
        elif choice not in ("auto", db.kind):
            raise RunnerError(
                f"this sandbox keeps its data in {db.label}; "
                "`refcore sandbox down --purge` first to change"
            )
        if db.kind == "sqlite":
            server_only = [c for c in components if c in COMPUTE_COMPONENTS]
            if server_only:
                raise RunnerError(
                    f"{', '.join(server_only)} need MariaDB or PostgreSQL on {HOST} "
                    f"(ports {self.ports.mariadb} / {self.ports.postgresql}); "
                    "this sandbox has Keystone on SQLite"
                )
        self.say(f"  databases: {db.label}")
        return db

    @staticmethod
    def _database_names(components: tuple[str, ...]) -> list[str]:
        return [name for c in components for name in DATABASES.get(c, ())]

    @property
    def vhost(self) -> str:
        return backends.database_prefix(self.root)

    def _check_bus(self) -> None:
        try:
            product = backends.probe_rabbitmq(self.ports.rabbitmq)
        except backends.Unavailable as exc:
            raise RunnerError(
                f"RabbitMQ on {HOST}:{self.ports.rabbitmq}: {exc} "
                "(Nova and Cinder need it: apt-get install -y rabbitmq-server)"
            ) from None
        self.say(f"  message bus: {product} on {HOST}:{self.ports.rabbitmq}, vhost {self.vhost}")

    def _memcached_cmd(self) -> list[str]:
        memcached = shutil.which("memcached") or "memcached"
        cmd = [memcached, "-l", HOST, "-p", str(self.ports.memcached), "-U", "0", "-m", "64"]
        return cmd + (["-u", "root"] if os.geteuid() == 0 else [])

    def _start(
        self, name: str, cmd: list[str], env: dict[str, str] | None, cwd: Path | None = None
    ) -> None:
        entry = procs.tracked(self.run_dir, name)
        if entry is not None and entry.alive:
            return
        proc = next(p for p in PROCESSES if p.name == name)
        where = f" on {HOST}:{self.port_of(proc.port)}" if proc.port else ""
        self.say(f"  starting {name}{where}")
        log = self.root / "logs" / f"{name}.log"
        self._log_start[name] = log.stat().st_size if log.is_file() else 0
        procs.start(self.run_dir, name, niced(cmd), log=log, env=env, cwd=cwd)

    # -- keystone ----------------------------------------------------------------
    @property
    def keystone_url(self) -> str:
        return f"http://{HOST}:{self.ports.keystone}"

    def _keystone(self, db: Database) -> None:
        ks = self.root / "keystone"
        conf = ks / "keystone.conf"
        ks.mkdir(parents=True, exist_ok=True)
        conf.write_text(configs.keystone_conf(self.root, db.url("keystone", self.root)))
        conf.chmod(0o600)
        if not (ks / ".bootstrapped").is_file():
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
        # SQLite takes one writer at a time: one process, one thread; a server database
        # takes Tempest's parallel writes
        workers, threads = (1, 1) if db.kind == "sqlite" else (2, 4)
        self._gunicorn_conf(
            ks, "keystone.wsgi.api:application", self.ports.keystone, workers, threads
        )
        self._start("keystone", [self._bin("keystone", "gunicorn")], env, cwd=ks)
        self._wait_http("keystone", self.keystone_url + "/v3")

    @staticmethod
    def _gunicorn_conf(
        where: Path, app: str, port: int, workers: int, threads: int, argv: list[str] | None = None
    ) -> None:
        """OpenStack services parse ``sys.argv`` with oslo.config, so gunicorn is started
        without arguments and reads ``./gunicorn.conf.py`` (its default config file);
        ``argv`` replaces the arguments the service sees (e.g. ``--config-file``)."""
        lines = [
            f"wsgi_app = {app!r}",
            f"bind = '{HOST}:{port}'",
            f"workers = {workers}",
            f"threads = {threads}",
            "timeout = 300",
        ]
        if argv is not None:
            lines += ["import sys", f"sys.argv[1:] = {argv!r}"]
        (where / "gunicorn.conf.py").write_text("\n".join(lines) + "\n")

    def _identity(self, components: tuple[str, ...]) -> None:
        accounts = static_accounts(str(self.state["accounts_password"]))
        demo = self._demo()
        done = set(self._resources_done())
        todo = [c for c in components if c in SERVICE_USERS and c not in done]
        setup = None
        if "accounts" not in done or todo:
            setup = IdentitySetup(self.keystone_url, str(self.state["admin_password"]))
        try:
            if setup is not None and "accounts" not in done:
                for account in [*accounts, demo]:
                    setup.account(account)
                done.add("accounts")
            for component in todo:
                assert setup is not None
                key = "swift_password" if component == "swift" else "service_password"
                setup.service_user(component, str(self.state[key]))
                if component == "swift":
                    setup.object_store(f"http://{HOST}:{self.ports.swift}")
                done.add(component)
        finally:
            if setup is not None:
                setup.close()
            (self.root / "keystone" / ".resources").write_text("\n".join(sorted(done)))
        self._write_yaml(self.accounts_yaml, [a.to_tempest() for a in accounts])
        self._write_yaml(self.clouds_yaml, {"clouds": self._clouds(demo)})

    def _resources_done(self) -> list[str]:
        try:
            text = (self.root / "keystone" / ".resources").read_text()
        except OSError:
            return []
        # "ok": written by a sandbox from before programs (Swift + the accounts)
        return ["accounts", "swift"] if text.strip() == "ok" else text.split()

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
    def _run(
        self,
        cmd: list[str],
        what: str,
        ok: tuple[int, ...] = (0,),
        env: dict[str, str] | None = None,
    ) -> None:
        log = self.root / "logs" / "setup.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            out.write(f"$ {' '.join(cmd)}\n".encode())
            out.flush()
            rc = subprocess.run(
                niced(cmd), stdout=out, stderr=subprocess.STDOUT, env=env
            ).returncode
        if rc not in ok:
            raise RunnerError(f"{what} failed (exit {rc}): {_last_line(log)} (log: {log})")

    def _died(self, name: str) -> RunnerError:
        log = self.root / "logs" / f"{name}.log"
        return RunnerError(f"sandbox {name} did not start: {_last_line(log)} (log: {log})")

    def _wait(self, name: str, probe: Callable[[], bool], timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if probe():
                return
            entry = procs.tracked(self.run_dir, name)
            if entry is None or not entry.alive:
                raise self._died(name)
            failing = _failing_worker(
                self.root / "logs" / f"{name}.log", self._log_start.get(name, 0)
            )
            if failing:
                log = self.root / "logs" / f"{name}.log"
                raise RunnerError(f"sandbox {name} does not start: {failing} (log: {log})")
            time.sleep(0.3)
        raise RunnerError(f"sandbox {name} did not answer in {timeout:g} s")

    def _wait_http(self, name: str, url: str) -> None:
        self._wait(name, lambda: _http_ok(url))

    def _wait_tcp(self, name: str) -> None:
        self._wait(name, lambda: _tcp_ok(self.port_of(name)))

    # -- down / status -----------------------------------------------------------
    def down(self, purge: bool = False, venvs: bool = True) -> list[str]:
        """Stop what the sandbox started (nothing else); returns the names stopped.
        ``purge``: also drop its databases and vhost, remove the files it wrote and (with
        ``venvs``) the venvs, which other sandboxes would then install again."""
        # side by side: a service that takes its whole grace to stop (10 s) delays no other
        names = [p.name for p in reversed(PROCESSES)]
        with ThreadPoolExecutor(len(names)) as pool:
            done = list(pool.map(lambda name: procs.stop(self.run_dir, name), names))
        stopped = [name for name, was in zip(names, done, strict=True) if was]
        if purge:
            self._purge(venvs)
        return stopped

    def _purge(self, venvs: bool) -> None:
        components = self.components
        db = Database.from_state(self.state.get("database"))
        problems = []
        if db is not None and db.kind != "sqlite":
            try:
                db.drop(self._database_names(components), self.venvs.python("keystone"))
            except (RunnerError, OSError) as exc:
                problems.append(f"databases {db.prefix}_* not dropped: {exc}")
        if any(c in NEEDS_BUS for c in components):
            try:
                backends.rabbit_vhost(self.vhost, delete=True)
            except RunnerError as exc:
                problems.append(str(exc))
        for name in OWNED_FILES:
            path = self.root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only when nothing else is in it
        if venvs:
            self.venvs.remove(sorted(set(VENV_OF.values()) | {"tempest"}))
        self.state = {}
        if problems:
            raise RunnerError("; ".join(problems))

    def status(self) -> list[ServiceStatus]:
        out = []
        components = self.components
        for proc in processes_of(components):
            entry = procs.tracked(self.run_dir, proc.name)
            running = entry is not None and entry.alive
            port = self.port_of(proc.port) if proc.port else None
            if not running:
                answers = False
            elif port is None:
                answers = True  # a worker without an API: its process is its health
            elif proc.health is None:
                answers = _tcp_ok(port)
            else:
                answers = _http_ok(f"http://{HOST}:{port}{proc.health}")
            out.append(
                ServiceStatus(
                    proc.name,
                    port,
                    entry.pid if entry else None,
                    running,
                    answers,
                    entry.log if entry else None,
                    detail=VERSIONS.get(proc.component, ""),
                )
            )
        out += self._machine_status(components)
        return out

    def _machine_status(self, components: tuple[str, ...]) -> list[ServiceStatus]:
        rows = []
        db = self.database
        if db is not None and db.kind == "sqlite":
            path = Path(db.url("keystone", self.root).removeprefix("sqlite:///"))
            here = path.is_file()
            rows.append(
                ServiceStatus(
                    "database",
                    None,
                    None,
                    here,
                    here,
                    None,
                    "machine",
                    f"SQLite {path} (Keystone only; one writer)",
                )
            )
        elif db is not None:
            probe = backends.probe_mariadb if db.kind == "mariadb" else backends.probe_postgresql
            try:
                version = probe(db.port)
                detail, ok = f"{backends.LABELS[db.kind]} {version}, databases {db.prefix}_*", True
            except backends.Unavailable as exc:
                detail, ok = f"{backends.LABELS[db.kind]}: {exc}", False
            rows.append(ServiceStatus("database", db.port, None, ok, ok, None, "machine", detail))
        if any(c in NEEDS_BUS for c in components):
            try:
                detail = f"{backends.probe_rabbitmq(self.ports.rabbitmq)}, vhost {self.vhost}"
                ok = True
            except backends.Unavailable as exc:
                detail, ok = f"RabbitMQ: {exc}", False
            rows.append(
                ServiceStatus(
                    "rabbitmq", self.ports.rabbitmq, None, ok, ok, None, "machine", detail
                )
            )
        return rows


def _failing_worker(log: Path, start: int) -> str | None:
    """gunicorn's master lives on while its worker dies at start and is restarted:
    the service's own last error, once a worker has exited (in the log since ``start``)."""
    try:
        with log.open("rb") as f:
            f.seek(start)
            lines = f.read().decode(errors="replace").splitlines()[-400:]
    except OSError:
        return None
    if not any("exited with code" in line or "Worker failed to boot" in line for line in lines):
        return None
    errors = [
        line.strip()
        for line in lines
        if ("ERROR" in line or "Error" in line) and "[ERROR] Worker" not in line
    ]
    return errors[-1] if errors else "its worker process exits at start"


def _last_line(log: Path) -> str:
    try:
        return log.read_text(errors="replace").strip().splitlines()[-1]
    except (OSError, IndexError):
        return "no output"


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
