"""The sandbox's venvs: one per OpenStack project (their pins clash), from PyPI, kept in
one cache directory shared by every sandbox (default ``~/.cache/refcore/sandbox-venvs``,
env ``REFCORE_SANDBOX_VENVS``), so a second ``up`` (or another sandbox) installs nothing.

A venv counts as installed when its marker file holds exactly the packages asked for;
installs run in parallel, each under a file lock (two sandboxes never build the same venv
at once) and under ``nice`` (they are CPU heavy and the machine may be shared).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from refcore.errors import RunnerError

__all__ = ["NICE", "VENVS", "Venvs", "default_venvs_dir", "niced"]

#: what each service venv needs beside its project: a WSGI server, both database
#: drivers (MariaDB or PostgreSQL, whichever the machine has) and keystonemiddleware's
#: memcache client (without it, every authenticated request dies: No module named 'memcache')
_SERVICE = ("gunicorn", "PyMySQL", "psycopg2-binary", "python-memcached")

#: venv name -> what pip installs there
VENVS: dict[str, tuple[str, ...]] = {
    "keystone": ("keystone==30.0.0", *_SERVICE),
    "swift": ("swift==2.38.3", "keystonemiddleware==13.0.1"),
    "tempest": ("tempest==47.0.0",),
    "placement": ("openstack-placement==16.0.0", *_SERVICE),
    "glance": ("glance==33.0.0", *_SERVICE),
    "neutron": ("neutron==29.0.0", *_SERVICE),
    "nova": ("nova==34.0.0", *_SERVICE),
    # cinder's fake volume driver (no block device) lives in cinder.tests and needs fixtures
    "cinder": ("cinder==29.0.0", "fixtures", *_SERVICE),
}
MARKER = ".refcore-installed"
NICE = 10


def default_venvs_dir() -> Path:
    env = os.environ.get("REFCORE_SANDBOX_VENVS")
    if env:
        return Path(env).absolute()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("refcore")) / "sandbox-venvs"


def niced(cmd: list[str]) -> list[str]:
    nice = shutil.which("nice")
    return [nice, "-n", str(NICE), *cmd] if nice else cmd


class Venvs:
    def __init__(self, root: Path, logs: Path) -> None:
        self.root = root
        self.logs = logs

    def path(self, name: str) -> Path:
        return self.root / name

    def bin(self, name: str, script: str) -> str:
        return str(self.root / name / "bin" / script)

    def python(self, name: str) -> Path:
        return self.root / name / "bin" / "python"

    def site_packages(self, name: str) -> Path:
        lib = self.root / name / "lib"
        found = sorted(lib.glob("python3*/site-packages"))
        if not found:
            raise RunnerError(f"venv {self.root / name} has no site-packages")
        return found[-1]

    def installed(self, name: str) -> bool:
        marker = self.root / name / MARKER
        try:
            return marker.read_text() == " ".join(VENVS[name])
        except OSError:
            return False

    def ensure(self, names: list[str], say: Callable[[str], None]) -> float:
        """Install the venvs not yet installed, in parallel; returns the seconds spent."""
        todo = [n for n in names if not self.installed(n)]
        if not todo:
            return 0.0
        say(f"installing {', '.join(todo)} from PyPI into {self.root} (parallel, nice {NICE})")
        started = time.monotonic()
        with ThreadPoolExecutor(len(todo)) as pool:
            errors = [e for e in pool.map(self._install, todo) if e]
        if errors:
            raise RunnerError("; ".join(errors))
        return time.monotonic() - started

    def _install(self, name: str) -> str | None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        venv = self.root / name
        log = self.logs / f"install-{name}.log"
        with (self.root / f".{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another sandbox may be installing it now
            if self.installed(name):
                return None
            with log.open("wb") as out:
                for cmd in (
                    [sys.executable, "-m", "venv", "--clear", str(venv)],
                    niced([str(venv / "bin" / "python"), "-m", "pip", "install", *VENVS[name]]),
                ):
                    if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode:
                        return f"installing {name} failed: see {log}"
            (venv / MARKER).write_text(" ".join(VENVS[name]))
        return None

    def remove(self, names: list[str]) -> list[str]:
        removed = []
        for name in names:
            if (self.root / name).is_dir():
                shutil.rmtree(self.root / name)
                removed.append(name)
        return removed
