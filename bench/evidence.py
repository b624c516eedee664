"""Benchmark the evidence reports over a big database: ``scoring suggest`` (Widely Deployed
from verified products, unverified runs counted apart) and the must-pass candidates.

    .venv/bin/python bench/evidence.py [--db postgresql|sqlite] [--runs 100000] [--products 300]

Builds a fresh database with bulk inserts: ``--runs`` anonymous listed runs (cpids reused
5 times each), and ``--products`` verified products of ``--products/5`` vendors, each run
holding the 2020.06 tests plus some tests outside every guideline (real Tempest 47 names).
Prints the build time, then the median and worst of 5 warm calls of each report.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from refcore_testing import run_row  # noqa: E402
from server import fresh_db  # noqa: E402

from refcore.core.runs import Outcome, split_test_id  # noqa: E402
from refcore.readers.guidelines import load_guidelines  # noqa: E402
from refcore.services import candidates, scoring  # noqa: E402
from refcore.storage.db import Database  # noqa: E402
from refcore.storage.migrate import upgrade  # noqa: E402
from refcore.storage.models import (  # noqa: E402
    Organization,
    Product,
    ProductVersion,
    Run,
    RunTests,
    TestName,
    utcnow,
)
from refcore.storage.packing import pack_ids, pack_outcomes  # noqa: E402

SHARED = Path(os.environ.get("REFCORE_SHARED", ROOT.parent / "shared"))


def build(db: Database, runs: int, products: int, guideline) -> None:  # type: ignore[no-untyped-def]
    names = sorted(
        {(t.name, t.uuid or "") for c in guideline.capabilities.values() for t in c.tests}
    )
    listing = (SHARED / "samples" / "tempest" / "tempest-47.0.0-list.txt").read_text().split()
    known = {n for n, _ in names}
    outside = {split_test_id(line)[0]: split_test_id(line)[2] or "" for line in listing}
    extra = sorted((n, u) for n, u in outside.items() if n not in known)[:200]
    with db.engine.begin() as conn:
        conn.execute(
            TestName.__table__.insert(),
            [{"id": i + 1, "name": n, "uuid": u} for i, (n, u) in enumerate(names)]
            + [{"id": len(names) + i + 1, "name": n, "uuid": u} for i, (n, u) in enumerate(extra)],
        )
    all_ids = list(range(1, len(names) + len(extra) + 1))
    rng = random.Random(7)
    now = utcnow()

    def tests_row(run_id: str) -> dict[str, object]:
        ids = sorted(rng.sample(all_ids, k=len(all_ids) * 9 // 10))
        outcomes = [Outcome.PASS if rng.random() < 0.95 else Outcome.FAIL for _ in ids]
        return {"run_id": run_id, "name_ids": pack_ids(ids), "outcomes": pack_outcomes(outcomes)}

    vendors = max(3, products // 5)
    with db.engine.begin() as conn:
        conn.execute(
            Organization.__table__.insert(),
            [
                {"id": f"v{i}", "type": 3, "name": f"v{i}", "created_at": now}
                for i in range(vendors)
            ],
        )
        conn.execute(
            Product.__table__.insert(),
            [
                {"id": f"p{i}", "name": f"p{i}", "organization_id": f"v{i % vendors}", "type": 0,
                 "product_type": 0, "public": True, "created_at": now}
                for i in range(products)
            ],
        )  # fmt: skip
        conn.execute(
            ProductVersion.__table__.insert(),
            [{"id": f"pv{i}", "product_id": f"p{i}", "version": "1", "created_at": now}
             for i in range(products)],
        )  # fmt: skip
    batch = 5000
    for start in range(0, runs, batch):
        rows, tests = [], []
        for i in range(start, min(runs, start + batch)):
            row = run_row(cpid=f"cloud-{i // 5}", created_at=now, product_version_id=None)
            if i < products:
                row.update(product_version_id=f"pv{i}", verification_status=1, listed=False)
            rows.append(row)
            tests.append(tests_row(str(row["id"])))
        with db.engine.begin() as conn:
            conn.execute(Run.__table__.insert(), rows)
            conn.execute(RunTests.__table__.insert(), tests)


def timed(fn, n: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000, max(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--products", type=int, default=300)
    args = ap.parse_args()
    gs = load_guidelines(SHARED / "interop")
    g = gs["2020.06"]
    url, cleanup = fresh_db(args.db, Path("/tmp"))
    db = Database.from_url(url)
    try:
        upgrade(db.engine)
        t = time.perf_counter()
        build(db, args.runs, args.products, g)
        print(f"{args.db}: built {args.runs} runs ({args.products} verified products) "
              f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
        with db.read() as session:
            body = scoring.suggest(session, g, gs)
            print(f"  suggest evidence: {body['evidence']}")
            med, worst = timed(lambda: scoring.suggest(session, g, gs))
            print(f"  scoring suggest 2020.06: median {med:.0f} ms, worst {worst:.0f} ms")
            report = candidates.candidates(session, g, gs)
            print(f"  candidates: {len(report['tests'])} tests, "
                  f"{len(report['advisory_near_cutoff'])} advisory near the cut-off")  # fmt: skip
            med, worst = timed(lambda: candidates.candidates(session, g, gs))
            print(f"  candidates 2020.06: median {med:.0f} ms, worst {worst:.0f} ms")
    finally:
        db.dispose()
        cleanup()  # type: ignore[operator]


if __name__ == "__main__":
    main()
