"""Time to bring a sandbox up, and its memory.

    python bench/sandbox.py [--program platform] [--cold] [--dir D]

Prints: time of a first ``up`` in an empty directory (with ``--cold``, also in an empty
venv cache: every install from PyPI), the time of each step, the memory of every process
the sandbox started (RSS, summed per service and in all), then ``down`` and the time of a
second ``up`` (venvs, databases and configuration kept), then ``down --purge``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refcore.runner.sandbox import Ports, Sandbox  # noqa: E402
from refcore.runner.sandbox.services import PROCESSES  # noqa: E402


def _free_ports() -> Ports:
    import socket

    names = [f for f in Ports().as_dict() if f not in ("mariadb", "postgresql", "rabbitmq")]
    spec = []
    for name in names:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            spec.append(f"{name}={sock.getsockname()[1]}")
    return Ports.parse(",".join(spec))


def _rss_of_group(pgid: int) -> int:
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[-1].split()
            if int(stat[2]) != pgid:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def memory(box: Sandbox) -> dict[str, int]:
    from refcore.runner.sandbox import procs

    out = {}
    for proc in PROCESSES:
        entry = procs.tracked(box.run_dir, proc.name)
        if entry is not None and entry.alive:
            out[proc.name] = _rss_of_group(entry.pid)
    return out


def timed_up(box: Sandbox, program: str) -> float:
    started = time.monotonic()
    box.steps.clear()
    box.up(program)
    took = time.monotonic() - started
    for step in box.steps:
        print(f"    {step.seconds:7.1f} s  {step.name}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", default="platform")
    parser.add_argument("--cold", action="store_true", help="empty venv cache too")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="refcore-bench-sandbox-"))
    venvs = Path(tempfile.mkdtemp(prefix="refcore-bench-venvs-")) if args.cold else None
    quiet = os.environ.get("BENCH_VERBOSE") != "1"
    say = (lambda _m: None) if quiet else print
    box = Sandbox(root, _free_ports(), say=say, venvs=venvs)
    kind = "cold (empty venv cache)" if args.cold else "first up (venvs cached)"
    try:
        first = timed_up(box, args.program)
        print(f"{args.program}: {kind}: {first:.0f} s")
        rss = memory(box)
        for name, size in sorted(rss.items(), key=lambda kv: -kv[1]):
            print(f"    {size / 2**20:7.0f} MB  {name}")
        print(
            f"{args.program}: memory of the sandbox's processes: {sum(rss.values()) / 2**30:.2f} GB"
        )
        box.down()
        second = timed_up(Sandbox(root, say=say, venvs=venvs), args.program)
        print(f"{args.program}: second up after down: {second:.0f} s")
    finally:
        Sandbox(root, venvs=venvs).down(purge=True, venvs=args.cold)


if __name__ == "__main__":
    main()
