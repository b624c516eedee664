"""Benchmark the domain core; prints figures, asserts nothing.

    .venv/bin/python bench/core.py [--guidelines ../shared/interop]

Targets (issue "Domain core"): cached load < 200 ms, parse of a 2,000-test
subunit v2 stream < 100 ms, evaluation of one run against every guideline x
target < 20 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def show(label: str, ms: list[float], target: float | None = None) -> None:
    med = statistics.median(ms)
    tail = f"  (target < {target:g} ms: {'ok' if med < target else 'MISSED'})" if target else ""
    print(f"{label:<48} median {med:8.2f} ms  min {min(ms):8.2f} ms  n={len(ms)}{tail}")


def subunit_stream(names: list[str]) -> bytes:
    import subunit

    buf = io.BytesIO()
    out = subunit.StreamResultToBytes(buf)
    for i, name in enumerate(names):
        out.status(test_id=name, test_status="inprogress")
        status = "success" if i % 10 else ("fail" if i % 20 else "skip")
        out.status(test_id=name, test_status=status)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guidelines", default=str(ROOT.parent / "shared" / "interop"))
    args = parser.parse_args()
    os.environ["REFCORE_CACHE_DIR"] = tempfile.mkdtemp(prefix="refcore-bench-")

    from refcore.core.compliance import evaluate_all
    from refcore.core.results import parse_run
    from refcore.readers import guidelines as sources

    print(f"python {sys.version.split()[0]}, guidelines from {args.guidelines}")
    cold = timed(lambda: sources.load_guidelines(args.guidelines, use_cache=False), 5)
    show("load all guidelines, cold (parse + validate)", cold)

    def from_disk_cache() -> None:
        sources._memo.clear()
        sources.load_guidelines(args.guidelines)

    from_disk_cache()  # writes the cache
    show("load all guidelines, cached (on-disk pickle)", timed(from_disk_cache, 10), 200)
    gs = sources.load_guidelines(args.guidelines)
    show(
        "load all guidelines, cached (in process)",
        timed(lambda: sources.load_guidelines(args.guidelines), 50),
    )

    platform = gs["2020.06"].test_list("platform", alias=False)
    names = list(dict.fromkeys(platform))
    names += [
        f"tempest.api.extra.Test{i}.test_{i}[id-{i:08x}-0000-0000-0000-000000000000]"
        for i in range(2000 - len(names))
    ]
    data = subunit_stream(names[:2000])
    print(f"subunit v2 stream: 2,000 tests, {len(data):,} bytes")
    show("parse a 2,000-test subunit v2 stream", timed(lambda: parse_run(data), 20), 100)

    run = parse_run(data)
    n = sum(len(g.targets) for g in gs.values())
    first = timed(lambda: evaluate_all(run, gs.values()), 1)
    show(f"evaluate one run, all {n} guideline x target, first", first)
    show(
        f"evaluate one run, all {n} guideline x target",
        timed(lambda: evaluate_all(run, gs.values()), 30),
        20,
    )


if __name__ == "__main__":
    main()
