"""Benchmark the results server over HTTP on 127.0.0.1 against `refcore serve`.

    .venv/bin/python bench/server.py [--db sqlite|postgresql|both] [--uploads 400]

Per database: uploads of 1,500-test runs (half signed, as refstack-client signs)
from 4 concurrent clients; GET one run (v1 detail) and its cached v2 report,
p50/p95; list page (GET /v1/results?page=N) p50/p95 with 10k and 100k stored runs
(bulk-inserted directly). PostgreSQL: $REFCORE_TEST_DATABASE_URL or the local
postgresql+psycopg://postgres@127.0.0.1:5432/test (a fresh schema, dropped after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from refcore_testing import run_row, start_server, stop_server  # noqa: E402

from refcore.services import accounts  # noqa: E402
from refcore.storage.db import Database  # noqa: E402
from refcore.storage.models import Run, utcnow  # noqa: E402

PG = os.environ.get(
    "REFCORE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def fresh_db(kind: str, tmp: Path) -> tuple[str, object]:
    if kind == "sqlite":
        path = tmp / f"bench-{secrets.token_hex(3)}.db"
        return f"sqlite:///{path}", lambda: [p.unlink() for p in tmp.glob(path.name + "*")]
    schema = f"refcore_bench_{secrets.token_hex(3)}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def cleanup() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    sep = "&" if "?" in PG else "?"
    return f"{PG}{sep}options=-csearch_path%3D{schema}", cleanup


def make_bodies(
    n: int, tests: int, key: rsa.RSAPrivateKey, pub: str
) -> list[tuple[bytes, dict[str, str]]]:
    pool = [f"tempest.api.bench.mod{i % 40}.Test{i % 97}.test_{i}" for i in range(int(tests * 1.3))]
    out = []
    for i in range(n):
        names = random.sample(pool, tests)
        content = {
            "cpid": uuid.uuid4().hex,
            "duration_seconds": 3000,
            "results": [{"name": x, "uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, x))} for x in names],
        }
        body = json.dumps(content).encode()
        headers = {"Content-type": "application/json"}
        if i % 2:
            sig = key.sign(body, padding.PKCS1v15(), hashes.SHA256()).hex()
            headers.update({"X-Signature": sig, "X-Public-Key": pub})
        out.append((body, headers))
    return out


def bench_uploads(
    url: str, bodies: list[tuple[bytes, dict[str, str]]], clients: int
) -> tuple[list[str], dict[str, float]]:
    chunks = [bodies[i::clients] for i in range(clients)]

    def worker(chunk: list[tuple[bytes, dict[str, str]]]) -> list[tuple[str, float]]:
        done = []
        with httpx.Client(base_url=url, timeout=120) as client:
            for body, headers in chunk:
                t = time.perf_counter()
                r = client.post("/v1/results/", content=body, headers=headers)
                r.raise_for_status()
                test_id = r.json()["test_id"]
                done.append(
                    (test_id if "X-Signature" not in headers else "", time.perf_counter() - t)
                )
        return done

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [x for part in pool.map(worker, chunks) for x in part]
    wall = time.perf_counter() - start
    lat = [d for _, d in results]
    return [i for i, _ in results if i], {
        "uploads/s": len(results) / wall,
        "p50 ms": pct(lat, 0.5),
        "p95 ms": pct(lat, 0.95),
    }


def timed(client: httpx.Client, path: str, n: int, **params: object) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        out.append(time.perf_counter() - t)
    return out


def bulk_runs(db: Database, total: int) -> None:
    """Insert plain run rows (no tests) until the store holds ``total`` runs."""
    with db.engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
        now = utcnow()
        rows = []
        for i in range(total - have):
            rows.append(
                run_row(
                    cpid=uuid.uuid4().hex,
                    duration_seconds=10,
                    created_at=now - timedelta(seconds=have + i + 1),
                )
            )
            if len(rows) == 5000:
                conn.execute(Run.__table__.insert(), rows)
                rows = []
        if rows:
            conn.execute(Run.__table__.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        # what autovacuum does to a table in steady state: statistics and the
        # visibility map (so the page count can be an index-only scan)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE runs"))


def bench_db(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    url, cleanup = fresh_db(kind, tmp)
    process, base = start_server(url, Path(args.guidelines), "--workers", str(args.workers))
    figures: dict[str, object] = {}
    try:
        db = Database.from_url(url)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = (
            key.public_key()
            .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            .decode()
        )
        with db.read() as session:
            user = accounts.create_user(session, "bench")
            accounts.add_public_key(
                session, accounts.actor_for(session, user), pub, None, trusted=True
            )
        bodies = make_bodies(args.uploads, args.tests, key, pub)
        ids, up = bench_uploads(base, bodies, args.clients)
        figures["upload"] = up
        with httpx.Client(base_url=base, timeout=60) as client:
            anon = ids[:50]  # the unsigned runs: readable by anyone
            for rid in anon:  # compute the reports once (they are then cached)
                client.get(
                    f"/v2/runs/{rid}/report", params={"guideline": "2020.06"}
                ).raise_for_status()
            get_one, report, both = [], [], []
            for _ in range(4):
                for rid in anon:
                    a = timed(client, f"/v1/results/{rid}", 1)[0]
                    b = timed(client, f"/v2/runs/{rid}/report", 1, guideline="2020.06")[0]
                    get_one.append(a), report.append(b), both.append(a + b)
            figures["get one run"] = {"p50 ms": pct(get_one, 0.5), "p95 ms": pct(get_one, 0.95)}
            figures["cached report"] = {"p50 ms": pct(report, 0.5), "p95 ms": pct(report, 0.95)}
            figures["run + report"] = {"p50 ms": pct(both, 0.5), "p95 ms": pct(both, 0.95)}
            for size in args.list_sizes:
                bulk_runs(db, size)
                pages = size // 20
                lat = []
                for _ in range(args.list_requests):
                    lat += timed(client, "/v1/results", 1, page=random.randint(1, min(pages, 50)))
                lat_deep = timed(client, "/v1/results", 20, page=pages // 2)
                figures[f"list page @{size}"] = {
                    "p50 ms": pct(lat, 0.5),
                    "p95 ms": pct(lat, 0.95),
                    f"page {pages // 2} p50 ms": pct(lat_deep, 0.5),
                }
        db.dispose()
    finally:
        stop_server(process)
        cleanup()  # type: ignore[operator]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--uploads", type=int, default=400)
    parser.add_argument("--tests", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--list-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000]
    )
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="refcore serve --workers")
    parser.add_argument("--guidelines", default=str(ROOT.parent / "shared" / "interop"))
    args = parser.parse_args()
    import tempfile

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            figures = bench_db(kind, args, Path(tmp))
            print(
                f"== {kind}: {args.uploads} uploads x {args.tests} tests, {args.clients} clients, "
                f"{args.workers} server worker(s)"
            )
            for name, values in figures.items():
                shown = ", ".join(f"{k} {v:.1f}" for k, v in values.items())  # type: ignore[union-attr]
                print(f"  {name:<22} {shown}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
