"""Benchmark the domain core; prints figures, asserts nothing.

    .venv/bin/python bench/core.py [--guidelines ../shared/interop] [--runs 30]

Targets (issue "Domain core"): cached load < 200 ms, parse of a 2,000-test
subunit v2 stream < 100 ms, evaluation of one run against every guideline x
target < 20 ms.

Then the server's preparation of a run's report (issue 17: ``reports.prepare``, what
the server does after each upload) for runs shaped like ``bench/server.py``'s uploads
(1,500 tests: 500 guideline tests, 1,000 others, all passed): the "meets" summary,
loading a stored run, and ``prepare`` itself per run, in process on a fresh SQLite
database. Each figure is printed with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int, clock=time.perf_counter) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = clock()
        fn()
        out.append((clock() - t) * 1000)
    return out


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    """The CPU time of one call, in ms: steadier than the wall clock on a shared machine."""
    return timed(fn, 1, time.process_time)[0]


def show(label: str, ms: list[float], target: float | None = None) -> None:
    med = statistics.median(ms)
    tail = f"  (target < {target:g} ms: {'ok' if med < target else 'MISSED'})" if target else ""
    load = os.getloadavg()[0]
    print(
        f"{label:<48} median {med:8.2f} ms  min {min(ms):8.2f} ms  n={len(ms)}"
        f"  (load {load:.1f}){tail}"
    )


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
    parser.add_argument("--runs", type=int, default=30, help="runs stored and prepared")
    parser.add_argument("--only", choices=("core", "prepare"), help="one half of the figures")
    args = parser.parse_args()
    os.environ["REFCORE_CACHE_DIR"] = tempfile.mkdtemp(prefix="refcore-bench-")

    from refcore.core.compliance import evaluate_all
    from refcore.core.results import parse_run
    from refcore.readers import guidelines as sources

    print(f"python {sys.version.split()[0]}, guidelines from {args.guidelines}")
    if args.only == "prepare":
        bench_prepare(sources.load_guidelines(args.guidelines), args.guidelines, args.runs)
        return
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
    if args.only is None:
        bench_prepare(gs, args.guidelines, args.runs)


def upload_tests(real: list[str], rng: random.Random) -> list[tuple[str, str, object]]:
    """(name, uuid, outcome) of a run like bench/server.py's uploads: 1,500 passed
    tests, 500 of them the guidelines' (uuids made up, as a v1 upload's may be)."""
    from refcore.core.runs import Outcome

    pool = [f"tempest.api.bench.mod{i % 40}.Test{i % 97}.test_{i}" for i in range(1950)]
    names = rng.sample(real, 500) + rng.sample(pool, 1000)
    return [(n, str(uuid.uuid5(uuid.NAMESPACE_DNS, n)), Outcome.PASS) for n in names]


def bench_prepare(gs, guidelines: str, runs: int) -> None:  # type: ignore[no-untyped-def]
    from refcore.core.compliance import RunIndex
    from refcore.services import reports
    from refcore.services.guidelines import LoadedSource
    from refcore.services.runs import store_run
    from refcore.services.testruns import load_testrun
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade
    from refcore.storage.models import Run

    print(f"report preparation: {runs} runs of 1,500 tests (500 guideline tests), SQLite")
    rng = random.Random(17)
    real = sorted({t.name for g in gs.values() for c in g.capabilities.values() for t in c.tests})
    db = Database.from_url(f"sqlite:///{tempfile.mkdtemp(prefix='refcore-bench-')}/bench.db")
    upgrade(db.engine)
    ids = []
    for _ in range(runs):
        with db.session(write=True) as session:
            run = store_run(
                session,
                upload_tests(real, rng),  # type: ignore[arg-type]
                owner=None,
                cpid=uuid.uuid4().hex,
                duration_seconds=3000,
                api="v1",
                format="refstack-json",
            )
            ids.append(run.id)
    source = LoadedSource(guidelines)
    source.get()
    with db.read() as session:
        testruns = [load_testrun(session, session.get(Run, i)) for i in ids]  # type: ignore[arg-type]
    with db.read() as session:
        show(
            "load a stored run (load_testrun), CPU",
            [cpu(lambda: load_testrun(session, session.get(Run, i))) for i in ids],  # type: ignore[arg-type]  # noqa: B023
        )
    show("RunIndex of a run, CPU", [cpu(lambda: RunIndex(r)) for r in testruns])  # noqa: B023
    show(
        "meets summary (reports._meets_of), CPU",
        [cpu(lambda: reports._meets_of("x", RunIndex(r), source.get())) for r in testruns],  # noqa: B023
    )
    latest = source.get().latest_approved()
    assert latest is not None
    show(
        f"{latest.id}'s {len(latest.targets)} reports (_report_of), CPU",
        [
            cpu(
                lambda: [
                    reports._report_of("x", RunIndex(r), source.get(), latest.id, t)  # noqa: B023
                    for t in latest.targets
                ]
            )
            for r in testruns
        ],
    )
    prepared: list[tuple[float, float]] = []
    for i in ids:
        with db.read() as session:
            wall, used = time.perf_counter(), time.process_time()
            reports.prepare(session, i, source)
            prepared.append(
                ((time.perf_counter() - wall) * 1000, (time.process_time() - used) * 1000)
            )
    show("prepare a run (meets + latest's reports, stored)", [w for w, _ in prepared])
    show("prepare a run, CPU", [c for _, c in prepared])
    db.dispose()


if __name__ == "__main__":
    main()
