"""Processes the sandbox started, tracked so ``down`` stops exactly those.

Each service runs in its own session (process group); its pid file records the pid and
the kernel's start time of that pid, so a recycled pid belonging to another program is
never signalled. Stopping sends SIGTERM to the group, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tracked", "start", "stop", "tracked"]

# Popen objects of the services this process started: kept so they are not collected
# while running (Popen.__del__ warns), and reaped through them when stopped.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True, slots=True)
class Tracked:
    name: str
    pid: int
    start_time: str
    log: str

    @property
    def alive(self) -> bool:
        return _start_time(self.pid) == self.start_time


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat: when the process started (ticks since boot)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: split after its closing parenthesis
    rest = stat.rsplit(")", 1)[-1].split()
    if len(rest) < 20 or rest[0] == "Z":
        return None
    return rest[19]


def _pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def tracked(run_dir: Path, name: str) -> Tracked | None:
    path = _pid_file(run_dir, name)
    try:
        data = json.loads(path.read_text())
        return Tracked(name, int(data["pid"]), str(data["start_time"]), str(data["log"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def start(
    run_dir: Path,
    name: str,
    cmd: list[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Tracked:
    """Start ``cmd`` detached in its own session, output to ``log``; record its pid."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    started = _start_time(proc.pid) or ""
    entry = Tracked(name, proc.pid, started, str(log))
    _pid_file(run_dir, name).write_text(
        json.dumps({"pid": proc.pid, "start_time": started, "log": str(log), "cmd": cmd})
    )
    return entry


def stop(run_dir: Path, name: str, *, grace: float = 10.0) -> bool:
    """Stop the process group ``name`` was started in; True when something was stopped."""
    entry = tracked(run_dir, name)
    if entry is None:
        return False
    stopped = False
    if entry.alive:
        _signal_group(entry.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while entry.alive and time.monotonic() < deadline:
            _reap(entry.pid)
            time.sleep(0.1)
        if entry.alive:
            _signal_group(entry.pid, signal.SIGKILL)
            time.sleep(0.2)
        _reap(entry.pid)
        stopped = True
        # children left in the group after the leader died (e.g. worker processes);
        # only for a leader we saw alive: a stale file's pid may be someone else's now
        _signal_group(entry.pid, signal.SIGKILL, only_if_group_exists=True)
    _pid_file(run_dir, name).unlink(missing_ok=True)
    return stopped


def _signal_group(pgid: int, sig: int, *, only_if_group_exists: bool = False) -> None:
    try:
        if only_if_group_exists:
            os.killpg(pgid, 0)
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    """Collect our own child's exit status, so it does not linger as a zombie."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            del _CHILDREN[pid]
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
